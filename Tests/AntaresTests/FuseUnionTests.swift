import Antares
import CSyscalls
import FuseKit
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// The fuse union driver through a real mount: the view, and the upper directory it leaves behind.
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct FuseUnionTests {
    @Test func showsTheBaseUntouched() throws {
        let union = try FuseUnionMount()
        #expect(snapshot(union.mountpoint) == snapshot(try union.repository.archive("main", into: union.scratch)))
        #expect(union.run("readlink link-to-main") == "src/main.c\n")
        #expect(shell("ls -A '\(union.upper)'").output.isEmpty, "reading copies nothing up")
    }

    /// The daemon's shape: the fuse driver reads a base whose dictionary this process holds from that
    /// dictionary, with no request to the base's mount; kernel overlayfs can only read the mount.
    @Test(arguments: TestedDrivers.all)
    func aBaseWhoseDictionaryThisProcessHoldsIsReadWithoutItsMount(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        let before = union.base.requests.snapshot
        union.run("find . -type f -exec cat {} + > /dev/null && readlink link-to-main > /dev/null && echo more >> src/main.c")
        #expect(union.run("cat src/main.c") == "changed\nmore\n")
        let asked = union.base.requests.snapshot.filter { $0.value != before[$0.key, default: 0] && $0.key != .statfs }
        switch driver {
        case .fuse: #expect(asked.isEmpty, "the base's mount was asked: \(asked)")
        case .kernel: #expect(asked[.read, default: 0] > 0, "kernel overlayfs reads the base through its mount: \(asked)")
        }
    }

    /// A base file read from the dictionary is served through its blob's own descriptor, shared with
    /// the dictionary's cache of open blobs: one descriptor per file, not a copy each, and the one the
    /// union reads again once the file's pages are dropped.
    @Test func baseFilesAreReadThroughTheDictionarysOwnDescriptors() throws {
        let union = try UnionFixture(driver: .fuse)
        let files = ["src/main.c", "run.sh", "src/lib/moved.h", "blob.bin", "odd dir/a+b#c d.txt", "new/deep/er/file"]
        let expected = files.map { shell("git -C '\(union.repository.path)' show 'main:\($0)' | sha256sum").output }
        func readAll() -> [String] { files.map { union.run("sha256sum < '\($0)'") } }
        #expect(readAll() == expected)
        #expect(openRegularFiles(under: union.scratch.path.appending("store")) == files.count)
        for file in files { try dropCachedPages(union.path(file)) }
        #expect(readAll() == expected, "read again from the descriptors the union kept")
    }

    /// A job's union answers over io_uring wherever the kernel offers it (scripts/setup turns that on),
    /// as its base does; kernel overlayfs needs no server.
    @Test(arguments: TestedDrivers.all)
    func aUnionIsServedOverTheRingWhereTheKernelOffersIt(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        // Every request waits for INIT's reply, which is where the ring is taken up.
        #expect(union.run("cat src/main.c") == shell("git -C '\(union.repository.path)' show main:src/main.c").output)
        let served = try #require(union.union).servesOverRing
        switch driver {
        case .fuse: #expect(served == FuseMount.kernelOffersRequestRing)
        case .kernel: #expect(!served)
        }
    }

    @Test func repeatedWalksAreServedFromTheKernelsCaches() throws {
        let union = try FuseUnionMount()
        let walk = "find . -printf '%s %m %y\\n' > /dev/null"
        union.run(walk)
        // statfs is never cached; getattr comes back for a directory once listed (a read-write FUSE mount
        // marks its atime stale on every listing); everything else must stay in the kernel's caches.
        func requests(_ counters: RequestCounters) -> [FuseOperation: Int] {
            counters.snapshot.filter { $0.key != .statfs && $0.key != .getattr }
        }
        let counters = try #require(union.union?.requests)
        let first = requests(counters)
        #expect(first[.opendir, default: 0] <= 1, "opendir is answered ENOSYS once, then never sent")
        let repeated = repeatingSettles({ union.run(walk) }, observed: { requests(counters) })
        #expect(repeated.settled, "listings and entries come from the kernel's caches: \(first) then \(repeated.last)")
        union.run("touch src/added && rm src/main.c")
        #expect(union.run("ls src") == "added\nlib\n", "a change through the union invalidates the cached listing")
    }

    @Test func writingCopiesUpAndKeepsTheInode() throws {
        let union = try FuseUnionMount()
        let before = try #require(union.status("src/main.c")).st_ino
        union.run("echo more >> src/main.c")
        #expect(union.run("cat src/main.c") == "changed\nmore\n")
        #expect(shell("cat '\(union.upper)/src/main.c'").output == "changed\nmore\n")
        #expect(try #require(union.status("src/main.c")).st_ino == before)
        #expect(union.status("src/lib", in: union.upper) == nil, "only the written file and its parents are copied up")
        #expect(try #require(union.status("src", in: union.upper)).st_mode & 0o7777 == 0o755)
        #expect(union.run("sha256sum < blob.bin") == shell("git -C '\(union.repository.path)' show main:blob.bin | sha256sum").output)
    }

    @Test func metadataChangesCopyUp() throws {
        let union = try FuseUnionMount()
        union.run("chmod 600 run.sh && truncate -s 3 src/lib/moved.h && touch -d @1000000000 empty.txt")
        #expect(try #require(union.status("run.sh", in: union.upper)).st_mode & 0o7777 == 0o600)
        #expect(union.run("cat src/lib/moved.h") == "lib")
        #expect(try #require(union.status("empty.txt")).st_mtim.tv_sec == 1_000_000_000)
        #expect(try #require(union.status("empty.txt", in: union.upper)).st_mtim.tv_sec == 1_000_000_000)
        #expect(!union.run("df -P .").isEmpty, "statfs answers")
    }

    @Test func xattrsCopyUpAndHideOverlayNames() throws {
        let union = try FuseUnionMount()
        union.run("setfattr -n user.color -v blue src/main.c")
        #expect(union.run("getfattr --only-values -n user.color src/main.c") == "blue")
        #expect(union.upperXattr("src/main.c", "user.color") == "blue")
        union.run("mv new renamed")
        #expect(union.upperXattr("renamed", "\(union.overlayNamespace).overlay.redirect") != nil)
        #expect(!union.run("getfattr -d -m - renamed 2>/dev/null; true").contains("overlay"))
        // Set through the union, an overlay name is the user's own xattr, kept escaped, as overlayfs keeps it.
        union.run("setfattr -n \(union.overlayNamespace).overlay.opaque -v y renamed")
        #expect(union.run("getfattr --only-values -n \(union.overlayNamespace).overlay.opaque renamed") == "y")
        #expect(union.upperXattr("renamed", "\(union.overlayNamespace).overlay.overlay.opaque") == "y")
        #expect(union.upperXattr("renamed", "\(union.overlayNamespace).overlay.opaque") == nil, "the directory did not turn opaque")
        #expect(union.run("ls renamed") == "deep\n")
    }

    @Test func unlinkThenRecreate() throws {
        let union = try FuseUnionMount()
        union.run("rm empty.txt link-to-main")
        #expect(union.status("empty.txt") == nil && union.status("link-to-main") == nil)
        #expect(union.isWhiteout("empty.txt") && union.isWhiteout("link-to-main"))
        #expect(!union.run("ls -A").contains("empty.txt"))
        union.run("echo again > empty.txt && ln -s run.sh link-to-main")
        #expect(union.run("cat empty.txt") == "again\n")
        #expect(union.run("readlink link-to-main") == "run.sh\n")
        #expect(try #require(union.status("empty.txt", in: union.upper)).st_mode & S_IFMT == S_IFREG)
    }

    @Test func removingADirectoryWhoseLowerChildrenAreAllWhitedOut() throws {
        let union = try FuseUnionMount()
        #expect(shell("rmdir '\(union.path("new/deep/er"))'").status != 0, "not empty")
        union.run("rm new/deep/er/file && rmdir new/deep/er new/deep new")
        #expect(union.status("new") == nil)
        #expect(union.isWhiteout("new"))
        union.run("mkdir new")
        #expect(union.run("ls -A new").isEmpty, "a directory made over a whiteout is opaque")
        #expect(union.upperXattr("new", "\(union.overlayNamespace).overlay.opaque") == "y")
        union.run("rm -r src")
        #expect(union.isWhiteout("src") && union.status("src") == nil)
    }

    @Test func renamingALowerFile() throws {
        let union = try FuseUnionMount()
        let before = try #require(union.status("src/main.c")).st_ino
        union.run("mv src/main.c main2.c")
        #expect(union.run("cat main2.c") == "changed\n")
        #expect(union.status("src/main.c") == nil)
        #expect(union.isWhiteout("src/main.c"))
        #expect(try #require(union.status("main2.c", in: union.upper)).st_mode & S_IFMT == S_IFREG)
        #expect(try #require(union.status("main2.c")).st_ino == before, "a renamed entry keeps its inode")
        union.run("mv main2.c run.sh")
        #expect(union.run("cat run.sh") == "changed\n")
    }

    @Test func renamingALowerOnlyDirectory() throws {
        let union = try FuseUnionMount()
        union.run("mv new renamed")
        #expect(union.run("cat renamed/deep/er/file") == "new\n")
        #expect(union.status("new") == nil)
        #expect(union.isWhiteout("new"))
        #expect(union.upperXattr("renamed", "\(union.overlayNamespace).overlay.redirect") == "/new")
        #expect(union.run("find renamed | sort") == "renamed\nrenamed/deep\nrenamed/deep/er\nrenamed/deep/er/file\n")
        union.run("mv renamed/deep src/deep2 && echo x > src/deep2/er/added")
        #expect(union.run("cat src/deep2/er/file src/deep2/er/added") == "new\nx\n")
        union.run("mkdir new && mv src new/src")
        #expect(union.run("cat new/src/main.c new/src/lib/moved.h") == "changed\nlib\n")
    }

    @Test func renameNoReplaceAndExchange() throws {
        let union = try FuseUnionMount()
        #expect(renameInUnion(union, "run.sh", "empty.txt", flags: 1) == EEXIST)
        #expect(renameInUnion(union, "run.sh", "fresh.sh", flags: 1) == 0)
        #expect(renameInUnion(union, "fresh.sh", "empty.txt", flags: 2) == 0)
        #expect(union.run("cat fresh.sh") == "")
        #expect(union.run("cat empty.txt") == "#!/bin/sh\necho hi\n")
        let crossLayerDirectories = renameInUnion(union, "src", "new", flags: 2)
        #expect(crossLayerDirectories == 0 || crossLayerDirectories == EINVAL)
    }

    @Test func hardLinkAcrossCopyUp() throws {
        let union = try FuseUnionMount()
        union.run("ln run.sh run2.sh")
        let first = try #require(union.status("run.sh")), second = try #require(union.status("run2.sh"))
        #expect(first.st_ino == second.st_ino)
        #expect(first.st_nlink == 2)
        union.run("echo appended >> run2.sh")
        #expect(union.run("cat run.sh") == "#!/bin/sh\necho hi\nappended\n")
        let upperFirst = try #require(union.status("run.sh", in: union.upper)), upperSecond = try #require(union.status("run2.sh", in: union.upper))
        #expect(upperFirst.st_ino == upperSecond.st_ino)
        union.run("rm run.sh")
        #expect(union.run("cat run2.sh") == "#!/bin/sh\necho hi\nappended\n")
        #expect(union.isWhiteout("run.sh"))
    }

    @Test func remountShowsTheSameTree() throws {
        let union = try FuseUnionMount()
        union.run("echo more >> src/main.c && rm empty.txt && mv new renamed && mkdir -p made/here && echo hi > made/here/f")
        let before = snapshot(union.mountpoint)
        try union.unmount()
        try union.mount()
        #expect(snapshot(union.mountpoint) == before)
    }
}

/// How many of this process's descriptors are open on regular files below `directory`.
private func openRegularFiles(under directory: FilePath) -> Int {
    guard let listing = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(listing) }
    var count = 0
    while let entry = readdir(listing) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        var st = stat()
        let length = readlink("/proc/self/fd/\(name)", &target, target.count - 1)
        guard length > 0, stat("/proc/self/fd/\(name)", &st) == 0, st.st_mode & S_IFMT == S_IFREG else { continue }
        let path = String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if path.hasPrefix(directory.string + "/") { count += 1 }
    }
    return count
}

/// Drops the page cache of the file at `path`, so its next read goes to its filesystem again.
private func dropCachedPages(_ path: String) throws {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw Errno(rawValue: errno) }
    defer { close(descriptor) }
    let result = posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED)
    guard result == 0 else { throw Errno(rawValue: result) }
}

/// The union's node numbers are reused once the kernel forgot a node; a file handle names a node by
/// number and generation, so one taken before must not open the file numbered after it.
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct FuseUnionFileHandleTests {
    @Test func aHandleOfARemovedFileDoesNotOpenTheFileThatTookItsNumber() throws {
        let union = try FuseUnionMount()
        let removed = union.mountpoint.appending("removed").string
        #expect(shell("echo old > '\(removed)'").status == 0)
        var handle = [UInt8](repeating: 0, count: 8 + 128)
        handle.withUnsafeMutableBytes { $0.storeBytes(of: UInt32(128), as: UInt32.self) }
        var mountID: Int32 = 0
        try #require(scorpio_name_to_handle_at(AT_FDCWD, removed, &handle, &mountID, 0) == 0, "\(Errno(rawValue: errno))")
        var status = stat()
        try #require(stat(removed, &status) == 0)
        let number = status.st_ino
        try #require(unlink(removed) == 0)

        // The kernel forgets the unlinked file at once; its number goes to the next file made after that.
        var taken: String?
        for attempt in 0..<300 where taken == nil {
            let path = union.mountpoint.appending("new\(attempt)").string
            try #require(shell("echo new > '\(path)'").status == 0)
            if stat(path, &status) == 0, status.st_ino == number { taken = path } else { usleep(10_000) }
        }
        try #require(taken != nil, "no new file took the removed file's number \(number)")

        let mountFD = open(union.mountpoint.string, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(mountFD) }
        let opened = scorpio_open_by_handle_at(mountFD, &handle, O_RDONLY | O_CLOEXEC)
        let error = errno
        if opened >= 0 { close(opened) }
        #expect(opened < 0 && error == ESTALE, "the removed file's handle opened \(taken!) (\(Errno(rawValue: error)))")
    }
}
