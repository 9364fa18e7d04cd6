import Foundation
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `scorpio run`, end to end, as a CI step would use it.
@Suite("scorpio run", .enabled(if: CLIDoctorTests.privileged, "needs root and /dev/fuse"))
struct CLIRunTests {
    /// A sandbox with a config, a test repository, and `scorpio` run from inside the repository.
    func withRepository(_ body: (ScorpioProcess, FilePath, FilePath) throws -> Void) throws {
        try withSandbox { scorpio, directory in
            try write("artifacts_dir = \"\(directory)/artifacts\"\n" + sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let repository = try makeTestRepository(in: directory)
            defer { detachMounts(under: directory) }
            let inRepository = ScorpioProcess(executable: scorpio.executable, workingDirectory: repository)
            try body(inRepository, directory, repository)
            #expect(mounts(under: directory).isEmpty, "nothing stays mounted")
        }
    }

    func run(_ scorpio: ScorpioProcess, _ directory: FilePath, _ arguments: [String]) throws -> ScorpioRun {
        try scorpio.run(["--config-path", "\(directory)/scorpio.toml", "run"] + arguments)
    }

    @Test func theCommandsExitStatusPassesThrough() throws {
        try withRepository { scorpio, directory, _ in
            let result1 = try run(scorpio, directory, ["--", "true"])
            #expect(result1.status == 0)
            let result2 = try run(scorpio, directory, ["--", "sh", "-c", "exit 3"])
            #expect(result2.status == 3)
            let endLine = result2.standardError.split(separator: "\n").last.map(String.init) ?? ""
            #expect(endLine.contains(#/^scorpio: exit 3 · [0-9]+\.[0-9]s · /#), "the end line: \(endLine)")
            let result3 = try run(scorpio, directory, ["--", "sh", "-c", "kill -9 $$"])
            #expect(result3.status == 137)
            let missing = try run(scorpio, directory, ["--", "no-such-command"])
            #expect(missing.status == 127)
            #expect(missing.standardError.contains("no-such-command"))
            let result4 = try run(scorpio, directory, [])
            #expect(result4.status == 2, "no command is a usage error")
        }
    }

    /// A run's upper is scratch: its kernel union is mounted volatile, so what the job syncs is not
    /// written out on its account.
    @Test func aRunsUnionIsVolatile() throws {
        try withRepository { scorpio, directory, _ in
            let result = try run(scorpio, directory, ["--driver", "kernel", "--", "sh", "-c", "grep \" $(pwd) \" /proc/self/mountinfo"])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput.contains(" overlay ") && result.standardOutput.contains("volatile"), "\(result.standardOutput)")
        }
    }

    @Test func whatTheCommandWritesBecomesTheArtifactAndTheHostIsUntouched() throws {
        try withRepository { scorpio, directory, repository in
            let result = try run(scorpio, directory, ["--json", "--", "sh", "-c", "echo built > src/out.txt && rm src/hello.txt"])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput.contains("\"exit_status\" : 0"), "the manifest on stdout")
            let listing = sh("tar -tzf '\(directory)'/artifacts/run-*.tar.gz | sort").output
            #expect(listing.contains("src/out.txt") && listing.contains("src/.wh.hello.txt"), "\(listing)")
            #expect(FileManager.default.fileExists(atPath: "\(repository)/src/hello.txt"), "the work tree is untouched")
            #expect(!FileManager.default.fileExists(atPath: "\(repository)/src/out.txt"))
        }
    }

    @Test func theHostOutsideTheWorkspaceIsReadOnlyAndMountIsDenied() throws {
        try withRepository { scorpio, directory, _ in
            let marker = "/var/tmp/scorpio-run-test-\(getpid())"
            let result5 = try run(scorpio, directory, ["--", "touch", marker])
            #expect(result5.status != 0)
            #expect(!FileManager.default.fileExists(atPath: marker))
            let result6 = try run(scorpio, directory, ["--", "sh", "-c", "mount -t tmpfs x /mnt"])
            #expect(result6.status != 0)
            let result7 = try run(scorpio, directory, ["--", "unshare", "-m", "true"])
            #expect(result7.status != 0)
            let result8 = try run(scorpio, directory, ["--seccomp", "none", "--", "true"])
            #expect(result8.status == 0)
        }
    }

    @Test func uncommittedChangesAreSeenAndCleanHidesThem() throws {
        try withRepository { scorpio, directory, repository in
            try write("edited\n", to: repository.appending("src/hello.txt"))
            try write("untracked\n", to: repository.appending("untracked.txt"))
            let seen = try run(scorpio, directory, ["--", "sh", "-c", "cat src/hello.txt untracked.txt"])
            #expect(seen.standardOutput == "edited\nuntracked\n", "\(seen.standardError)")
            #expect(seen.standardError.contains("with the work tree's changes"))
            let clean = try run(scorpio, directory, ["--clean", "--", "sh", "-c", "cat src/hello.txt; test ! -e untracked.txt"])
            #expect(clean.status == 0)
            #expect(clean.standardOutput == "hello\n")
        }
    }

    @Test func aFinishedJobLeavesNoRecordButAKeptOneIsListed() throws {
        try withRepository { scorpio, directory, _ in
            let stateFile = directory.appending("antares/state.toml")  // as sandboxedDirectories(in:) sets it
            for _ in 0..<3 { #expect(try run(scorpio, directory, ["--", "true"]).status == 0) }
            let records = ((try? contents(of: stateFile)) ?? "").components(separatedBy: "job_id = ").count - 1
            #expect(records == 0, "finished jobs leave no record: \((try? contents(of: stateFile)) ?? "")")
            #expect(try run(scorpio, directory, ["--keep", "--", "true"]).status == 0)
            let kept = try scorpio.run(["--config-path", "\(directory)/scorpio.toml", "list"]).standardOutput
            #expect(kept.contains("run-"), "\(kept)")
        }
    }

    /// Another process's `scorpio umount` of a job a live `scorpio run` owns is refused, naming the run:
    /// the run's view stays, and what its command writes after the attempt is in its artifact.
    @Test func aLiveRunsJobIsNotUnmountedFromUnderIt() throws {
        try withRepository { scorpio, directory, repository in
            let signals = directory.appending("signals")
            try FileManager.default.createDirectory(atPath: signals.string, withIntermediateDirectories: true)
            let tool = "'\(scorpio.executable)' --config-path '\(directory)/scorpio.toml'"
            let command = "touch \(signals)/started; while [ ! -e \(signals)/go ]; do sleep 0.05; done; echo late > src/late.txt"
            let script = sh("""
                cd '\(repository)'
                \(tool) run --job-id live-run --writable '\(signals)' -- sh -c '\(command)' 2> '\(signals)/run.err' &
                run=$!
                for _ in $(seq 1200); do [ -e '\(signals)/started' ] && break; sleep 0.05; done
                \(tool) umount live-run 2> '\(signals)/umount.err'; echo $? > '\(signals)/umount.status'
                touch '\(signals)/go'
                wait $run; echo $? > '\(signals)/run.status'
                """)
            #expect(script.status == 0)
            #expect(try contents(of: signals.appending("umount.status")) != "0\n", "the umount is refused")
            let refusal = try contents(of: signals.appending("umount.err"))
            #expect(refusal.contains("job live-run belongs to a running `scorpio run`"), "\(refusal)")
            #expect(try contents(of: signals.appending("run.status")) == "0\n", "\((try? contents(of: signals.appending("run.err"))) ?? "")")
            let layer = sh("tar -tzf '\(directory)/artifacts/live-run.tar.gz'")
            #expect(layer.output.split(separator: "\n").contains("src/late.txt"), "written after the attempt: \(layer.output)")
        }
    }

    @Test func theCommandGetsTheCallersLimitOnOpenFiles() throws {
        try withRepository { scorpio, directory, repository in
            let command = "'\(scorpio.executable)' --config-path '\(directory)/scorpio.toml' run -q -- sh -c 'ulimit -Sn'"
            let result = sh("cd '\(repository)' && ulimit -Sn 777 && \(command)")
            #expect(result.status == 0)
            #expect(result.output == "777\n", "scorpio's own raised limit is not the job's: \(result.output)")
        }
    }

    @Test func aChangeListRefIsBuilt() throws {
        try withRepository { scorpio, directory, repository in
            #expect(sh("""
                set -e; cd '\(repository)'; git checkout -q -b cl; echo 'from cl' > src/hello.txt
                git -c user.name=t -c user.email=t@x commit -qam cl; git update-ref refs/cl/12 HEAD; git checkout -q main
                """).status == 0)
            let result = try run(scorpio, directory, ["--cl", "12", "--", "cat", "src/hello.txt"])
            #expect(result.standardOutput == "from cl\n", "\(result.standardError)")
        }
    }

    @Test func aBackgroundProcessLeftBehindDoesNotKeepTheJobAlive() throws {
        try withRepository { scorpio, directory, _ in
            let result = try run(scorpio, directory, ["--", "sh", "-c", "sleep 987 & echo started"])
            #expect(result.status == 0)
            #expect(sh("pgrep -f '^sleep 987'").status != 0, "the job's processes are gone")
        }
    }

    @Test func theCallersTerminalPassesThrough() throws {
        try withRepository { scorpio, directory, repository in
            let command = "'\(scorpio.executable)' --config-path '\(directory)/scorpio.toml' run -q -- sh -c 'test -t 0 && test -t 1 && test -t 2 && tty'"
            let result = sh("cd '\(repository)' && script -qec \"\(command)\" /dev/null")
            #expect(result.status == 0)
            #expect(result.output.contains("/dev/console"), "ttyname finds the terminal: \(result.output)")
        }
    }

    @Test func aReaderThatGoesAwayDoesNotLeaveTheJobMounted() throws {
        try withRepository { scorpio, directory, repository in
            let command = "'\(scorpio.executable)' --config-path '\(directory)/scorpio.toml' run -- sh -c 'echo one; sleep 0.2; echo two'"
            let result = sh("cd '\(repository)' && (\(command) 2>&1; echo $? > '\(directory)/status') | head -n 1")
            #expect(result.output.hasPrefix("scorpio: job run-"), "\(result.output)")
            let status = try contents(of: directory.appending("status"))
            #expect(status == "141\n", "the job's own SIGPIPE is its status")
            let artifacts = (try? FileManager.default.contentsOfDirectory(atPath: "\(directory)/artifacts")) ?? []
            #expect(artifacts.contains { $0.hasSuffix(".json") }, "scorpio went on to write the layer and unmount")
        }
    }
}
