import Foundation
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `scorpio run` from a work tree, as a new user meets it: where artifacts go, kept jobs, the driver.
@Suite("scorpio run in a work tree", .enabled(if: CLIDoctorTests.privileged, "needs root and /dev/fuse"))
struct CLIRunWorkTreeTests {
    /// A sandbox DIR whose config sets `extra(DIR)` and keeps every directory of Scorpio's inside it, a
    /// test repository (DIR/repo), and `scorpio` run from inside the repository with HOME at DIR/home.
    func withRepository(
        config extra: (FilePath) -> String = { _ in "" },
        _ body: (_ run: ([String], [String: String]) throws -> ScorpioRun, FilePath, FilePath) throws -> Void
    ) throws {
        try withSandbox { scorpio, directory in
            try write(extra(directory) + "\n" + sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let repository = try makeTestRepository(in: directory)
            defer { detachMounts(under: directory) }
            let inRepository = ScorpioProcess(executable: scorpio.executable, workingDirectory: repository)
            let run = { (arguments: [String], environment: [String: String]) in
                try inRepository.run(
                    ["--config-path", "\(directory)/scorpio.toml"] + arguments,
                    environment: ["HOME": "\(directory)/home"].merging(environment) { $1 })
            }
            try body(run, directory, repository)
            #expect(mounts(under: directory).isEmpty, "nothing stays mounted")
        }
    }

    /// The file the end line names (`… → PATH`).
    func artifact(of run: ScorpioRun) -> String? {
        run.standardError.split(separator: "\n").last { $0.contains(" → ") }.map { String($0.split(separator: "→").last!.dropFirst()) }
    }

    @Test func artifactsGoToTheUsersStateDirectoryAndNeverBecomeTheNextJobsInput() throws {
        try withRepository { run, directory, repository in
            let first = try run(["run", "--", "sh", "-c", "echo b > b"], [:])
            #expect(first.status == 0, "\(first.standardError)")
            let layer = try #require(artifact(of: first))
            #expect(layer.hasPrefix("\(directory)/home/.local/state/scorpio/artifacts/run-"), "\(first.standardError)")
            #expect(FileManager.default.fileExists(atPath: layer))
            #expect(sh("git -C '\(repository)' status --porcelain").output == "", "nothing lands in the work tree")

            let second = try run(["run", "--", "sh", "-c", "test ! -e b"], [:])
            #expect(second.status == 0, "\(second.standardError)")
            #expect(second.standardError.contains(" · clean · "), "\(second.standardError)")

            let state = try run(["run", "--", "true"], ["XDG_STATE_HOME": "\(directory)/state"])
            #expect(artifact(of: state)?.hasPrefix("\(directory)/state/scorpio/artifacts/run-") == true, "\(state.standardError)")
        }
    }

    @Test func anArtifactsDirectoryInsideTheWorkTreeIsNeitherInputNorArtifact() throws {
        try withRepository(config: { "artifacts_dir = \"\($0)/repo/out/artifacts\"" }) { run, directory, repository in
            let artifacts = "\(directory)/repo/out/artifacts"
            try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
            try write("an earlier layer\n", to: FilePath(artifacts).appending("old.tar.gz"))
            let result = try run(["run", "--", "sh", "-c", """
                test ! -e out/artifacts/old.tar.gz && mkdir -p out/artifacts && echo x > out/artifacts/junk && echo y > kept.txt
                """], [:])
            #expect(result.status == 0, "the earlier artifact is not in the view: \(result.standardError)")
            #expect(result.standardError.contains(" · clean · "), "only the artifacts directory is untracked: \(result.standardError)")
            let layer = try #require(artifact(of: result))
            #expect(layer.hasPrefix(artifacts + "/"))
            let listing = sh("tar -tzf '\(layer)'").output
            #expect(listing.contains("kept.txt"), "\(listing)")
            #expect(!listing.contains("out/artifacts/"), "\(listing)")
            #expect(sh("git -C '\(repository)' status --porcelain").output == "?? out/\n")
        }
    }

    @Test func keptJobsAreListedWithTheirUpperAndRemovedByUmount() throws {
        try withRepository { run, _, _ in
            let kept = try run(["run", "--keep", "--job-id", "kept-1", "--", "sh", "-c", "head -c 10000 /dev/zero > x"], [:])
            #expect(kept.status == 0, "\(kept.standardError)")
            let listed = try run(["list"], [:])
            let line = try #require(listed.standardOutput.split(separator: "\n").first { $0.hasPrefix("kept-1\t") }, "\(listed.standardOutput)")
            #expect(line.contains("upper kept ("), "\(line)")
            let upper = String(line.split(separator: "\t")[2])
            #expect(FileManager.default.fileExists(atPath: upper + "/x"))
            #expect(listed.standardOutput.contains("scorpio export JOB") && listed.standardOutput.contains("scorpio umount JOB"))
            let json = try run(["list", "--json"], [:]).standardOutput
            #expect(json.contains("\"upper_kept\" : true") && json.contains("\"upper_bytes\" : "), "\(json)")

            let removed = try run(["umount", "kept-1"], [:])
            #expect(removed.status == 0, "\(removed.standardError)")
            #expect(!FileManager.default.fileExists(atPath: upper))
            #expect(try run(["list"], [:]).standardOutput == "no jobs\n")
        }
    }

    @Test("--driver picks the union driver", arguments: ["fuse", "kernel"])
    func theDriverOption(driver: String) throws {
        try withRepository { run, _, _ in
            let result = try run(["run", "--driver", driver, "--keep", "--job-id", "driven", "--", "cat", "src/hello.txt"], [:])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput == "hello\n")
            #expect(result.standardError.contains("(\(driver) driver, as configured)"), "\(result.standardError)")
            #expect(try run(["list", "--json"], [:]).standardOutput.contains("\"driver\" : \"\(driver)\""))
            #expect(try run(["umount", "driven"], [:]).status == 0)
        }
    }

    @Test func aBadDriverIsAUsageErrorNamingIt() throws {
        try withRepository { run, _, _ in
            let result = try run(["run", "--driver", "zfs", "--", "true"], [:])
            #expect(result.status == 2)
            #expect(result.standardError.contains("zfs") && result.standardError.contains("--driver"), "\(result.standardError)")
        }
    }
}
