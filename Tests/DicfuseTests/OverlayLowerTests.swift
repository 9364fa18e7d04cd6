import CSyscalls
import Dicfuse
import FuseKit
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// A Dicfuse mount as the read-only lower layer of kernel overlayfs (the kernel union driver's shape).
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct OverlayLowerTests {
    @Test func kernelOverlayfsAcceptsTheBaseAsLowerAndCopiesUp() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        let dicfuse = Dicfuse(source: try GitTreeSource(repository: repository.path.string), store: try ContentStore(root: scratch.path.appending("store")))
        let lower = scratch.directory("lower"), upper = scratch.directory("upper")
        let work = scratch.directory("work"), merged = scratch.directory("merged")
        let mount = try dicfuse.mount(at: lower)
        defer { try? mount.unmount(lazy: true) }
        let options = "lowerdir=\(lower),upperdir=\(upper),workdir=\(work),redirect_dir=on,index=off"
        try #require(shell("mount -t overlay overlay -o '\(options)' '\(merged)'").status == 0, "overlayfs accepts the mount as a lower")
        defer { _ = shell("umount -l '\(merged)'") }

        #expect(shell("cat '\(merged)/src/main.c'").output == "changed\n")
        #expect(shell("find '\(merged)' -maxdepth 1 -type l -printf '%f\\n'").output == "link-to-main\n", "d_type reaches overlayfs")
        // Copy-up of a base file on write.
        #expect(shell("echo more >> '\(merged)/src/main.c'").status == 0)
        #expect(shell("cat '\(upper)/src/main.c'").output == "changed\nmore\n")
        #expect(shell("git -C '\(repository.path)' show HEAD:src/main.c").output == "changed\n")
        // Deletion of a base file: a whiteout (character device 0/0) in the upper layer.
        #expect(shell("rm '\(merged)/empty.txt'").status == 0)
        var st = stat()
        #expect(lstat(upper.appending("empty.txt").string, &st) == 0 && st.st_mode & S_IFMT == S_IFCHR && st.st_rdev == 0)
        // Renaming a base directory (redirect_dir) and reading through the new name.
        #expect(shell("mv '\(merged)/new' '\(merged)/renamed'").status == 0)
        #expect(shell("cat '\(merged)/renamed/deep/er/file'").output == "new\n")
        var redirect = [CChar](repeating: 0, count: 256)
        let length = lgetxattr(upper.appending("renamed").string, "trusted.overlay.redirect", &redirect, redirect.count)
        #expect(length > 0, "the rename is recorded as an overlay redirect")
    }
}
