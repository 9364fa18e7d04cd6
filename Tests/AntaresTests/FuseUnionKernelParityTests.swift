import Antares
import Dicfuse
import FuseKit
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// The upper directory the fuse driver writes means the same tree to kernel overlayfs (redirect_dir=on)
/// over the same lowers.
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct FuseUnionKernelParityTests {
    @Test func kernelOverlayfsShowsTheSameTree() throws {
        let union = try FuseUnionMount { changeList in
            _ = shell("mkdir -p '\(changeList)/src' && printf 'from the CL\\n' > '\(changeList)/src/cl.c' && printf 'cl\\n' > '\(changeList)/added.txt'")
            try OverlayFormat.makeWhiteout(at: changeList.appending("run.sh"))
        }
        union.run("""
            echo more >> src/main.c && rm empty.txt && mv new renamed && mkdir -p made/here && echo hi > made/here/f \
            && mv 'odd dir' src/odd && ln blob.bin blob2.bin && rm -r empty-later && mkdir empty-later \
            && echo x > empty-later/x && chmod 700 src/lib && mv src/lib/moved.h src/lib/again.h \
            && mv renamed/deep renamed/shallow && echo changed-cl >> src/cl.c && ln -s gone dangling \
            && echo y > src/lib/new.h && mv src/lib srclib && mv srclib src/lib2 && touch src/lib2/again.h
            """)
        #expect(union.run("cat src/lib2/new.h && ls src/lib2") == "y\nagain.h\nnew.h\nup\n", "a merged directory moves with both layers")
        #expect(union.upperXattr("src/lib2", "\(union.overlayNamespace).overlay.redirect") == "/src/lib")
        #expect(union.run("cat src/cl.c added.txt") == "from the CL\nchanged-cl\ncl\n")
        #expect(union.status("run.sh") == nil)
        let fuseView = snapshot(union.mountpoint)
        try union.unmount()

        let overlayWork = union.scratch.directory("overlay-work"), merged = union.scratch.directory("merged")
        let options = "lowerdir=\(union.changeList!):\(union.base.mountpoint),upperdir=\(union.upper),workdir=\(overlayWork),redirect_dir=on,index=off"
        try #require(shell("mount -t overlay overlay -o '\(options)' '\(merged)'").status == 0)
        defer { _ = shell("umount -l '\(merged)'") }
        let kernelView = snapshot(merged)
        #expect(kernelView == fuseView)
        for key in Set(kernelView.keys).symmetricDifference(fuseView.keys).sorted() {
            Issue.record("differs: \(key) kernel=\(kernelView[key] ?? "-") fuse=\(fuseView[key] ?? "-")")
        }
    }

    @Test func fuseDriverReadsWhatKernelOverlayfsWrote() throws {
        let union = try FuseUnionMount()
        try union.unmount()
        let overlayWork = union.scratch.directory("overlay-work"), merged = union.scratch.directory("merged")
        do {
            let options = "lowerdir=\(union.base.mountpoint),upperdir=\(union.upper),workdir=\(overlayWork),redirect_dir=on,index=off"
            try #require(shell("mount -t overlay overlay -o '\(options)' '\(merged)'").status == 0)
            defer { _ = shell("umount '\(merged)'") }
            let script = "cd '\(merged)' && mv new renamed && rm empty.txt && rm -r src/lib && mkdir src/lib && echo a > src/lib/a && echo b >> run.sh"
            #expect(shell(script).status == 0)
        }
        try union.mount()
        #expect(union.run("cat renamed/deep/er/file") == "new\n")
        #expect(union.run("ls src/lib") == "a\n", "the kernel's opaque directory hides the base's")
        #expect(union.status("empty.txt") == nil && union.status("new") == nil)
        #expect(union.run("tail -n 1 run.sh") == "b\n")
    }
}
