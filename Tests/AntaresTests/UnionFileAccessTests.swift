import Antares
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// How programs reach file data and directory positions through the union, with each driver: mmap,
/// O_DIRECT, telldir/seekdir, special files, statfs.
#if arch(x86_64)
private let O_DIRECT: Int32 = 0o40000  // Glibc's module leaves out the _GNU_SOURCE flags
#else
private let O_DIRECT: Int32 = 0o200000
#endif

@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"), .serialized)
struct UnionFileAccessTests {
    @Test(arguments: TestedDrivers.all)
    func sharedMappingsOfBaseFilesWriteThroughCopyUp(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        let fd = open(union.path("src/main.c"), O_RDWR)
        try #require(fd >= 0)
        let size = Int(try #require(union.status("src/main.c")).st_size)
        let mapping = try #require(mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0))
        try #require(mapping != MAP_FAILED)
        let bytes = mapping.assumingMemoryBound(to: UInt8.self)
        #expect(String(decoding: UnsafeBufferPointer(start: bytes, count: size), as: UTF8.self) == "changed\n")
        bytes[0] = UInt8(ascii: "C")
        #expect(msync(mapping, size, MS_SYNC) == 0)
        munmap(mapping, size)
        close(fd)
        #expect(union.run("cat src/main.c") == "Changed\n")
        #expect(shell("cat '\(union.upper)/src/main.c'").output == "Changed\n", "the mapping's write reached the upper layer")
    }

    @Test(arguments: TestedDrivers.all)
    func directIOReadsTheBaseAndWritesTheUpper(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        let alignment = 4096
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: alignment * 2, alignment: alignment)
        defer { buffer.deallocate() }
        let reader = open(union.path("blob.bin"), O_RDONLY | O_DIRECT)
        try #require(reader >= 0, "O_DIRECT open: errno \(errno)")
        let count = pread(reader, buffer, alignment * 2, 0)
        close(reader)
        #expect(count == alignment * 2)
        let expected = shell("head -c \(alignment * 2) '\(union.mountpoint)/blob.bin' | sha256sum").output
        let writer = open(union.path("direct.bin"), O_WRONLY | O_CREAT | O_DIRECT, 0o644)
        try #require(writer >= 0, "O_DIRECT create: errno \(errno)")
        #expect(pwrite(writer, buffer, alignment * 2, 0) == alignment * 2)
        close(writer)
        #expect(shell("sha256sum < '\(union.mountpoint)/direct.bin'").output == expected)
        #expect(shell("sha256sum < '\(union.upper)/direct.bin'").output == expected)
    }

    @Test(arguments: TestedDrivers.all)
    func seekdirReturnsToATelldirPositionInAMergedDirectory(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("for i in $(seq 40); do : > src/added-$i; done && rm src/main.c")
        let directory = try #require(opendir(union.path("src")))
        defer { closedir(directory) }
        func next() -> String? { readdir(directory).map { entry in withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) } } }
        for _ in 0..<10 { _ = next() }
        let position = telldir(directory)
        var rest: [String] = []
        while let name = next() { rest.append(name) }
        seekdir(directory, position)
        var again: [String] = []
        while let name = next() { again.append(name) }
        #expect(!rest.isEmpty && again == rest)
        #expect(!rest.contains("main.c"), "the whiteout hides the base entry")
    }

    @Test(arguments: TestedDrivers.all)
    func specialFilesAndStatfs(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("mkfifo src/pipe && ln -s main.c src/alias && ln -s ../run.sh src/lib/up2")
        #expect(union.status("src/pipe")!.st_mode & S_IFMT == S_IFIFO)
        #expect(union.status("src/pipe", in: union.upper)!.st_mode & S_IFMT == S_IFIFO)
        #expect(union.run("cat src/alias && readlink src/lib/up2") == "changed\n../run.sh\n")
        var view = statvfs(), upper = statvfs()
        #expect(statvfs(union.mountpoint.string, &view) == 0 && statvfs(union.upper.string, &upper) == 0)
        #expect(view.f_bsize == upper.f_bsize && view.f_blocks == upper.f_blocks, "statfs reports the upper filesystem")
    }
}
