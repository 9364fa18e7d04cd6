import Antares
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// File data and descriptors through the fuse union (which serves files without open requests).
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct FuseUnionFileTests {
    @Test func anUnlinkedFileStaysUsableThroughItsDescriptor() throws {
        let union = try FuseUnionMount()
        let fd = open(union.path("src/main.c"), O_RDWR)
        try #require(fd >= 0)
        defer { close(fd) }
        #expect(pwrite(fd, "CHANGED", 7, 0) == 7)
        #expect(unlink(union.path("src/main.c")) == 0)
        #expect(union.isWhiteout("src/main.c"))
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = pread(fd, &buffer, buffer.count, 0)
        #expect(String(decoding: buffer[..<max(count, 0)], as: UTF8.self) == "CHANGED\n")
        var st = stat()
        #expect(fstat(fd, &st) == 0 && st.st_size == 8)
        #expect(ftruncate(fd, 3) == 0)
        #expect(fstat(fd, &st) == 0 && st.st_size == 3)
    }

    @Test func truncatingOpenCopiesUpAnEmptyFile() throws {
        let union = try FuseUnionMount()
        union.run(": > blob.bin")
        #expect(try #require(union.status("blob.bin")).st_size == 0)
        #expect(try #require(union.status("blob.bin", in: union.upper)).st_size == 0)
        union.run("printf abc > run.sh")
        #expect(union.run("cat run.sh") == "abc")
        #expect(try #require(union.status("run.sh", in: union.upper)).st_mode & 0o777 == 0o755, "the mode survives copy-up")
    }

    @Test func fallocateFsyncAndSeekHoles() throws {
        let union = try FuseUnionMount()
        union.run("fallocate -l 65536 grown.bin && sync grown.bin && fallocate -l 8192 src/main.c")
        #expect(try #require(union.status("grown.bin")).st_size == 65536)
        #expect(try #require(union.status("src/main.c")).st_size == 8192)
        #expect(union.run("head -c 8 src/main.c") == "changed\n")
        let fd = open(union.path("blob.bin"), O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        #expect(lseek(fd, 0, SEEK_END) == 1_048_577)
    }

    @Test func changeListFilesCopyUpWithTheirXattrs() throws {
        let union = try FuseUnionMount { changeList in
            _ = shell("printf 'cl\\n' > '\(changeList)/cl.txt' && setfattr -n user.origin -v cl '\(changeList)/cl.txt'")
        }
        #expect(union.run("getfattr --only-values -n user.origin cl.txt") == "cl")
        union.run("echo more >> cl.txt")
        #expect(union.run("cat cl.txt") == "cl\nmore\n")
        #expect(union.upperXattr("cl.txt", "user.origin") == "cl")
        #expect(shell("cat '\(union.changeList!)/cl.txt'").output == "cl\n", "the change list stays as it was")
    }

    @Test func mountsWithTheUnionsNamesAndKernelPermissionChecks() throws {
        let union = try FuseUnionMount()
        let line = shell("grep ' \(union.mountpoint) ' /proc/mounts").output
        #expect(line.hasPrefix("scorpio-union \(union.mountpoint) fuse.scorpio-union rw,"))
        #expect(line.contains("default_permissions"))
    }
}
