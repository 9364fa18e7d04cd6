import Foundation
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A job that touches more files than its servers may hold descriptors: every server stays within its
/// limit, with each driver (the base's server serves every base file; the fuse driver's serves the union).
@Suite("descriptor limits", .enabled(if: CLIDoctorTests.privileged, "needs root and /dev/fuse"), .serialized)
struct CLIDescriptorLimitTests {
    @Test(arguments: ["fuse", "kernel"])
    func moreFilesThanTheServersMayOpenAreReadWrittenAndDeleted(driver: String) throws {
        try withJobSandbox { scorpio, directory, repository in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let d = directory.string
            #expect(sh("cd '\(repository)' && mkdir many && for i in $(seq 1 600); do echo \"base $i\" > many/b$i; done && git add -A && git -c user.name=t -c user.email=t@x commit -qm many").status == 0)
            let mount = sh("""
                cd '\(d)' && ulimit -n 128 && '\(scorpio.executable)' --config-path '\(d)/scorpio.toml' mount limited \
                  --driver \(driver) --repo '\(repository)' --at '\(d)/view' 2>&1
                """)
            try #require(mount.status == 0, "\(mount.output)")
            defer { _ = try? scorpio.run(["--config-path", "\(d)/scorpio.toml", "umount", "limited"]) }
            let bases = try scorpio.run(["--config-path", "\(d)/scorpio.toml", "base", "list", "--json"])
            let basePID = sh("echo '\(bases.standardOutput)' | sed -n 's/.*\"server_pid\" : \\([0-9]*\\).*/\\1/p'").output
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(sh("awk '/Max open files/ {print $4}' /proc/\(basePID)/limits").output == "128\n", "the base's server has the lowered limit")
            let work = sh("""
                set -e; cd '\(d)/view'
                for i in $(seq 1 600); do cat many/b$i; done | wc -l
                for i in $(seq 1 600); do echo "file $i" > f$i; done
                for i in $(seq 1 600); do echo more >> f$i; echo more >> many/b$i; done
                for i in $(seq 1 600); do cat f$i many/b$i > /dev/null; done
                for i in $(seq 1 300); do rm f$i many/b$i; done
                for i in $(seq 1 300); do mv f$((i + 300)) g$i; done
                cat g300 many/b600; ls | grep -c '^g'; ls many | wc -l
                """)
            #expect(work.status == 0)
            #expect(work.output == "600\nfile 600\nmore\nbase 600\nmore\n300\n300\n", "\(work.output)")
            #expect(kill(Int32(basePID) ?? 0, 0) == 0, "the base's server still serves")
        }
    }

    /// One daemon serving several fuse-driver views at once: its caches share one budget, so together
    /// they stay within the process's limit however many files each view touches. (Each session also
    /// holds a splice pipe per serving thread: 400 leaves room for those beside the caches' half.)
    @Test func aDaemonServingManyFuseViewsStaysWithinItsLimit() throws {
        try withJobSandbox { scorpio, directory, repository in
            let d = directory.string
            #expect(sh("cd '\(repository)' && mkdir many && for i in $(seq 1 300); do echo \"base $i\" > many/b$i; done && git add -A && git -c user.name=t -c user.email=t@x commit -qm many").status == 0)
            let server = try BackgroundScorpio(
                scorpio, ["--config-path", "\(d)/scorpio.toml", "serve", "--repo", repository.string, "--bind", "127.0.0.1:0"],
                in: directory, setup: "ulimit -n 400 && export SCORPIO_UNION_DRIVER=fuse")
            defer { server.kill() }
            let url = "http://\(try server.waitForListeningAddress())"
            let views = (1...8).map { "view-\($0)" }
            for view in views {
                let mounted = try scorpio.run(["--config-path", "\(d)/scorpio.toml", "mount", view, "--daemon", url])
                try #require(mounted.status == 0, "\(mounted.standardError) \(server.errors)")
            }
            #expect(try scorpio.run(["--config-path", "\(d)/scorpio.toml", "list", "--daemon", url, "--json"]).standardOutput.contains("\"driver\" : \"fuse\""))
            let work = sh(views.map { view in """
                ( cd '\(d)/antares/mnt/\(view)' && for i in $(seq 1 300); do echo "w $i" > f$i; echo more >> many/b$i; done \
                  && for i in $(seq 1 300); do cat f$i many/b$i; done | wc -l > '\(d)/\(view).count' ) &
                """ }.joined(separator: "\n") + "\nwait; cat '\(d)'/view-*.count")
            #expect(work.output == String(repeating: "900\n", count: views.count), "\(work.output) \(server.errors)")
            #expect(!server.errors.contains("Too many open files"), "\(server.errors)")
            #expect(try server.terminate() == 0, "\(server.errors)")
            #expect(mounts(under: directory).isEmpty)
        }
    }
}
