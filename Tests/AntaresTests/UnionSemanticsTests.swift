import Antares
import CSyscalls
import Dicfuse
import Dispatch
import FuseKit
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// Overlay semantics through a real mount, with each union driver, checked against the expected view
/// and the expected upper directory (whiteouts, opaque markers, redirects).
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"), .serialized)
struct UnionSemanticsTests {
    @Test(arguments: TestedDrivers.all)
    func viewEqualsTheBaseUntilWritten(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        #expect(snapshot(union.mountpoint) == snapshot(try union.repository.archive("main", into: union.scratch)))
        #expect(shell("ls -A '\(union.upper)'").output.isEmpty, "reading copies nothing up")
    }

    @Test(arguments: TestedDrivers.all)
    func changeListLayerShowsOverTheBase(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver) { cl in
            _ = shell("mkdir -p '\(cl)/src' && printf 'from the CL\\n' > '\(cl)/src/main.c' && printf 'added\\n' > '\(cl)/added.txt'")
            try OverlayFormat.makeWhiteout(at: cl.appending("run.sh"))
        }
        #expect(union.run("cat src/main.c") == "from the CL\n")
        #expect(union.run("cat added.txt") == "added\n")
        #expect(union.status("run.sh") == nil, "the CL's whiteout hides the base file")
        #expect(union.run("cat src/lib/moved.h") == "lib\n", "the rest of the base shows through")
        #expect(!union.run("ls -A").contains("run.sh"))
    }

    @Test(arguments: TestedDrivers.all)
    func writingABaseFileCopiesItUp(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("echo more >> src/main.c")
        #expect(union.run("cat src/main.c") == "changed\nmore\n")
        #expect(shell("cat '\(union.upper)/src/main.c'").output == "changed\nmore\n")
        #expect(union.status("src/lib/moved.h", in: union.upper) == nil, "only what was written is copied up")
        union.run("chmod 700 run.sh")
        #expect(union.status("run.sh")!.st_mode & 0o777 == 0o700)
        #expect(union.status("run.sh", in: union.upper) != nil)
    }

    @Test(arguments: TestedDrivers.all)
    func deletingBaseEntriesLeavesWhiteouts(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("rm empty.txt link-to-main")
        #expect(union.status("empty.txt") == nil && union.status("link-to-main") == nil)
        #expect(union.isWhiteout("empty.txt") && union.isWhiteout("link-to-main"))
        union.run("rm new/deep/er/file && rmdir new/deep/er new/deep new")
        #expect(union.status("new") == nil)
        #expect(union.isWhiteout("new"))
    }

    @Test(arguments: TestedDrivers.all)
    func unlinkThenRecreate(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("rm empty.txt && echo again > empty.txt")
        #expect(union.run("cat empty.txt") == "again\n")
        #expect(union.status("empty.txt", in: union.upper)!.st_mode & S_IFMT == S_IFREG)
    }

    @Test(arguments: TestedDrivers.all)
    func directoryRecreatedOverAWhiteoutIsOpaque(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("rm -r src && mkdir src && echo fresh > src/only.txt")
        #expect(union.run("ls -A src") == "only.txt\n")
        let format = OverlayFormat.detect(for: union.upper)
        #expect(format.isOpaque(union.upper.appending("src")))
    }

    @Test(arguments: TestedDrivers.all)
    func renamingBaseFilesAndDirectories(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("mv src/main.c main-moved.c")
        #expect(union.run("cat main-moved.c") == "changed\n")
        #expect(union.status("src/main.c") == nil)
        union.run("mv new renamed")
        #expect(union.run("cat renamed/deep/er/file") == "new\n")
        #expect(union.status("new") == nil)
        let format = OverlayFormat.detect(for: union.upper)
        #expect(format.redirect(of: union.upper.appending("renamed")) != nil, "recorded as an overlay redirect")
        union.run("mv 'odd dir' src/lib/odd")
        #expect(union.run("cat 'src/lib/odd/a+b#c d.txt'") == "odd\n")
    }

    @Test(arguments: TestedDrivers.all)
    func renameFlags(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("echo a > a && echo b > b")
        #expect(renameat2(AT_FDCWD, union.path("a"), AT_FDCWD, union.path("b"), RenameFlags.noReplace.rawValue) == -1 && errno == EEXIST)
        #expect(renameat2(AT_FDCWD, union.path("a"), AT_FDCWD, union.path("b"), RenameFlags.exchange.rawValue) == 0)
        #expect(union.run("cat a b") == "b\na\n")
    }

    @Test(arguments: TestedDrivers.all)
    func exchangingDirectoriesThatContinueInTheBase(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        #expect(renameat2(AT_FDCWD, union.path("src"), AT_FDCWD, union.path("new"), RenameFlags.exchange.rawValue) == 0)
        #expect(union.run("cat new/main.c new/lib/moved.h") == "changed\nlib\n")
        #expect(union.run("ls -A src && cat src/deep/er/file") == "deep\nnew\n", "nothing of the old name's base merges in")
        union.run("echo plain > plain && mkdir fresh && echo x > fresh/x")
        #expect(renameat2(AT_FDCWD, union.path("plain"), AT_FDCWD, union.path("src"), RenameFlags.exchange.rawValue) == 0)
        #expect(union.run("cat src && cat plain/deep/er/file") == "plain\nnew\n", "a file and a directory trade places")
        #expect(renameat2(AT_FDCWD, union.path("fresh"), AT_FDCWD, union.path("odd dir"), RenameFlags.exchange.rawValue) == 0)
        #expect(union.run("ls -A 'odd dir' && ls -A fresh") == "x\na+b#c d.txt\n", "a new directory landing on a base name hides it")
        let format = OverlayFormat.detect(for: union.upper)
        // Within one directory the kernel records a relative redirect; both forms name the same origin.
        #expect(["/src", "src"].contains(format.redirect(of: union.upper.appending("new"))))
        #expect(["/new", "new"].contains(format.redirect(of: union.upper.appending("plain"))))
        #expect(format.isOpaque(union.upper.appending("odd dir")))
        let view = snapshot(union.mountpoint)

        try union.unmount()
        let other = try AntaresFuse(mountpoint: union.mountpoint, layers: union.layers, driver: driver == .kernel ? .fuse : .kernel)
        try other.mount()
        defer { try? other.unmount(lazy: true) }
        #expect(snapshot(union.mountpoint) == view, "the other driver shows the same tree from the same upper")
    }

    @Test(arguments: TestedDrivers.all)
    func hardLinksKeepWorkingAcrossCopyUp(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("ln run.sh run-link")
        union.run("echo extra >> run-link")
        #expect(union.run("cat run.sh") == "#!/bin/sh\necho hi\nextra\n")
        #expect(union.status("run.sh")!.st_ino == union.status("run-link")!.st_ino)
        #expect(union.status("run.sh")!.st_nlink == 2)
    }

    @Test(arguments: TestedDrivers.all)
    func concurrentWritersAndReaddirUnderCreation(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("mkdir work")
        let directory = union.mountpoint.appending("work")
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            for file in 0..<50 {
                let fd = Glibc.open(directory.appending("w\(index)-\(file)").string, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
                _ = write(fd, "\(index)-\(file)", "\(index)-\(file)".utf8.count)
                close(fd)
            }
        }
        #expect(union.run("ls work | wc -l") == "400\n")
        #expect(union.run("cat work/w3-17") == "3-17")
        // A listing taken while files are being created sees every file that existed before it began.
        let missing = union.run("""
            ls work > ../before.txt; (ls work > ../during.txt) & \
            for i in $(seq 200); do : > work/late-$i; done; wait; comm -23 ../before.txt ../during.txt
            """)
        #expect(missing.isEmpty, "entries missing from a listing taken under creation: \(missing)")
    }

    @Test(arguments: TestedDrivers.all)
    func remountingAKeptUpperShowsTheSameTree(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("echo more >> src/main.c && rm empty.txt && mv new renamed && mkdir made && echo x > made/x")
        let before = snapshot(union.mountpoint)
        try union.unmount()
        #expect(MountTable.mount(at: union.mountpoint) == nil)
        try union.mount()
        #expect(snapshot(union.mountpoint) == before)
    }

    @Test(arguments: TestedDrivers.all)
    func theUpperMeansTheSameTreeToKernelOverlayfs(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("echo more >> src/main.c && rm empty.txt && mv new renamed && rm -r src/lib && mkdir src/lib && echo y > src/lib/y")
        let view = snapshot(union.mountpoint)
        try union.unmount()
        let base = union.base.mountpoint
        let merged = union.scratch.directory("merged")
        let work = union.scratch.directory("overlay-work")
        let options = "lowerdir=\(base),upperdir=\(union.upper),workdir=\(work),redirect_dir=on,index=off"
        try #require(shell("mount -t overlay overlay -o '\(options)' '\(merged)'").status == 0)
        defer { _ = shell("umount -l '\(merged)'") }
        #expect(snapshot(merged) == view)
    }

    @Test(arguments: TestedDrivers.all)
    func nothingStaysMountedAfterUnmount(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        try union.unmount()
        let leftovers = MountTable.entries().filter {
            $0.mountpoint.string.hasPrefix(union.scratch.path.string) && $0.mountpoint != union.base.mountpoint
        }
        #expect(leftovers.isEmpty, "\(leftovers.map(\.mountpoint))")
    }
}
