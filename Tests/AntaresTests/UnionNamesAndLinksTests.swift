import Antares
import CSyscalls
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// Names, paths and links through the union as Linux answers them, with each driver: name and path
/// lengths, hard links, files unlinked while open.
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"), .serialized)
struct UnionNamesAndLinksTests {
    @Test(arguments: TestedDrivers.all)
    func renamingOneLinkOfAHardLinkedFileMovesOnlyThatName(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("echo data > up1 && ln up1 up2 && mv up2 up3")
        #expect(union.status("up1") != nil, "the other link stays")
        #expect(union.status("up2") == nil)
        #expect(union.run("cat up1 up3") == "data\ndata\n")
        let first = try #require(union.status("up1")), moved = try #require(union.status("up3"))
        #expect(first.st_ino == moved.st_ino, "links of one file share st_ino")
        #expect(first.st_nlink == 2 && moved.st_nlink == 2)
        #expect(union.status("up1", in: union.upper) != nil && union.status("up3", in: union.upper) != nil)
        #expect(union.status("up2", in: union.upper) == nil)
    }

    @Test(arguments: TestedDrivers.all)
    func linksOfABaseFileShareAnInodeAndSurviveRemount(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("ln src/main.c main-link && ln src/main.c again")
        var names = ["src/main.c", "main-link", "again"].map { union.status($0)! }
        #expect(Set(names.map(\.st_ino)).count == 1 && names.allSatisfy { $0.st_nlink == 3 })
        union.run("rm main-link")
        #expect(union.status("again")?.st_nlink == 2)
        try union.unmount()
        try union.mount()
        names = ["src/main.c", "again"].map { union.status($0)! }
        #expect(names[0].st_ino == names[1].st_ino, "after a remount, names found separately are one inode")
        #expect(rename(union.path("src/main.c"), union.path("again")) == 0, "renaming a link onto another link of the same file succeeds")
        #expect(union.status("src/main.c") != nil && union.status("again") != nil, "and changes nothing, as rename(2) says")
    }

    @Test(arguments: TestedDrivers.all)
    func aFileUnlinkedWhileOpenStaysReadableAndWritable(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("echo fresh > made")
        for name in ["made", "src/main.c"] {
            let fd = open(union.path(name), O_RDWR)
            try #require(fd >= 0)
            defer { close(fd) }
            #expect(unlink(union.path(name)) == 0)
            var st = stat()
            #expect(fstat(fd, &st) == 0, "\(name): fstat after unlink")
            // An upper file has no name left; a lower one not yet written keeps its count, as kernel
            // overlayfs shows a lower file removed while open.
            if name == "made" { #expect(st.st_nlink == 0, "\(name): no name is left") }
            #expect(pwrite(fd, "XY", 2, 0) == 2)
            var buffer = [UInt8](repeating: 0, count: 16)
            let count = pread(fd, &buffer, buffer.count, 0)
            #expect(count > 2 && buffer[0] == UInt8(ascii: "X"), "\(name): reads see the write")
            #expect(union.status(name) == nil)
        }
        #expect(union.isWhiteout("src/main.c"))
    }

    @Test(arguments: TestedDrivers.all)
    func aFileReplacedByRenameWhileOpenKeepsItsContent(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("echo old > target && echo new > replacement")
        let fd = open(union.path("target"), O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        union.run("mv replacement target")
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = pread(fd, &buffer, buffer.count, 0)
        #expect(String(decoding: buffer[..<max(0, count)], as: UTF8.self) == "old\n")
        #expect(union.run("cat target") == "new\n")
    }

    @Test(arguments: TestedDrivers.all)
    func namesLongerThan255BytesAreTooLong(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        let long = String(repeating: "n", count: 256)
        var st = stat()
        #expect(lstat(union.path(long), &st) == -1 && errno == ENAMETOOLONG)
        #expect(open(union.path(long), O_CREAT | O_WRONLY, 0o644) == -1 && errno == ENAMETOOLONG)
        #expect(mkdir(union.path(long), 0o755) == -1 && errno == ENAMETOOLONG)
        #expect(rename(union.path("empty.txt"), union.path(long)) == -1 && errno == ENAMETOOLONG)
        let longest = String(repeating: "m", count: 255)
        let fd = open(union.path(longest), O_CREAT | O_WRONLY, 0o644)
        #expect(fd >= 0, "255 bytes is allowed")
        close(fd)
    }

    @Test(arguments: TestedDrivers.all)
    func pathsDeeperThanPathMaxWorkRelativeToDirectories(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        let component = String(repeating: "d", count: 200)
        var directory = open(union.mountpoint.string, O_RDONLY | O_DIRECTORY)
        try #require(directory >= 0)
        for level in 0..<25 {
            #expect(mkdirat(directory, component, 0o755) == 0, "level \(level): \(Errno(rawValue: errno))")
            let deeper = openat(directory, component, O_RDONLY | O_DIRECTORY)
            try #require(deeper >= 0)
            close(directory)
            directory = deeper
        }
        defer { close(directory) }
        let file = openat(directory, "file", O_CREAT | O_WRONLY, 0o644)
        try #require(file >= 0, "a file 5,025 bytes deep: \(Errno(rawValue: errno))")
        #expect(write(file, "deep", 4) == 4)
        close(file)
        #expect(renameat2(directory, "file", directory, "moved", 0) == 0)
        #expect(linkat(directory, "moved", directory, "linked", 0) == 0)
        #expect(symlinkat("moved", directory, "symlink") == 0)
        var st = stat()
        #expect(fstatat(directory, "linked", &st, 0) == 0 && st.st_size == 4 && st.st_nlink == 2)
        #expect(unlinkat(directory, "linked", 0) == 0)
        #expect(fstatat(directory, "moved", &st, 0) == 0 && st.st_nlink == 1)
    }
}
