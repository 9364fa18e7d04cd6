import Foundation
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `scorpio export`: a job's changes as an OCI layer that, applied to the base, gives the job's view.
@Suite("scorpio export", .enabled(if: CLIDoctorTests.privileged, "needs root and /dev/fuse"))
struct CLIExportTests {
    @Test func theLayerAppliedToTheBaseGivesTheJobsView() throws {
        try withSandbox { scorpio, directory in
            try write("artifacts_dir = \"\(directory)/artifacts\"\n" + sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let repository = try makeTestRepository(in: directory)
            let d = directory.string
            #expect(sh("cd '\(repository)' && mkdir -p lib/deep && echo deep > lib/deep/x && echo keep > lib/keep && git add -A && git -c user.name=t -c user.email=t@x commit -qm two").status == 0)
            defer { detachMounts(under: directory) }
            #expect(try scorpio.run(["mount", "exp", "--repo", repository.string]).status == 0)
            let m = "\(d)/antares/mnt/exp"
            #expect(sh("""
                set -e; cd '\(m)'; echo new > new.txt; echo more >> src/hello.txt; rm lib/keep
                mv lib library; mkdir made; echo x > made/x; rm -r src; mkdir src; echo only > src/only
                """).status == 0)
            let exported = try scorpio.run(["export", "exp"])
            #expect(exported.status == 0, "\(exported.standardError)")
            let layer = "\(d)/artifacts/exp.tar.gz"
            #expect(FileManager.default.fileExists(atPath: "\(d)/artifacts/exp.json"))
            #expect(sh("mkdir '\(d)/applied' && git -C '\(repository)' archive HEAD | tar -x -C '\(d)/applied'").status == 0)
            #expect(sh(applyLayerScript(layer, onto: "\(d)/applied")).status == 0)
            // The job's own .git is never part of the layer.
            let view = sh("cd '\(m)' && find . -path ./.git -prune -o -print | sort && cat $(find . -path ./.git -prune -o -type f -print | sort)").output
            let applied = sh("cd '\(d)/applied' && find . | sort && cat $(find . -type f | sort)").output
            #expect(view == applied)
            #expect(try scorpio.run(["umount", "exp"]).status == 0)
        }
    }
}
