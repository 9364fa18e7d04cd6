import Foundation
import FuseKit
import ScorpioTestSupport
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The host's shared bases: one per revision, leased by every job on it, gone when unused.
@Suite("shared bases", .enabled(if: CLIDoctorTests.privileged, "needs root and /dev/fuse"), .serialized)
struct CLISharedBaseTests {
    /// A job sandbox whose bases linger `linger` seconds.
    private func withBases(linger: Int = 0, _ body: (ScorpioProcess, FilePath, FilePath) throws -> Void) throws {
        try withJobSandbox { scorpio, directory, repository in
            let config = sandboxedDirectories(in: directory).replacingOccurrences(of: "base_linger = 0", with: "base_linger = \(linger)")
            try write(config, to: directory.appending("scorpio.toml"))
            let configured = ScorpioProcess(executable: scorpio.executable, workingDirectory: repository, configPath: directory.appending("scorpio.toml"))
            try body(configured, directory, repository)
        }
    }

    private struct BaseListing: Decodable {
        let identity: String
        let server_pid: Int32?
        let leases: [String]
        let mountpoint: String
    }

    private func bases(_ scorpio: ScorpioProcess) throws -> [BaseListing] {
        let listed = try scorpio.run(["base", "list", "--json"])
        return try JSONDecoder().decode([BaseListing].self, from: Data(listed.standardOutput.utf8))
    }

    private func baseMounts(under directory: FilePath) -> [String] {
        mountpoints(under: directory.appending("antares/bases"))
    }

    /// The lease files some process holds (locked), checked from here at once rather than by a
    /// `scorpio base list` started later.
    private func heldLeases(under directory: FilePath) -> [String] {
        let bases = directory.appending("antares/bases").string
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: bases)) ?? []).flatMap { base in
            ((try? FileManager.default.contentsOfDirectory(atPath: "\(bases)/\(base)/leases")) ?? []).map { "\(bases)/\(base)/leases/\($0)" }
        }
        return files.filter { file in
            let descriptor = open(file, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return false }
            defer { close(descriptor) }
            return flock(descriptor, LOCK_SH | LOCK_NB) != 0  // as the base's server probes: a probe's lock is shared
        }
    }

    /// What each held lease's holder is doing: its text (`PID job …`), the process's state and each of
    /// its threads' kernel wait channel, for a failure to say why a lease outlived its job.
    private func describeHolders(of leases: [String]) -> String {
        leases.map { file in
            let text = ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "?").trimmingCharacters(in: .whitespacesAndNewlines)
            let pid = text.split(separator: " ").first.map(String.init) ?? "?"
            let state = ((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? "gone").split(separator: ")").last.map(String.init) ?? ""
            let threads = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []).map { task in
                "\(task):\((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/wchan", encoding: .utf8)) ?? "?")"
            }
            return "\(text) [state\(state.prefix(3))] threads \(threads.joined(separator: " "))"
        }.joined(separator: "; ")
    }

    @Test(arguments: ["fuse", "kernel"])
    func jobsOfOneRevisionShareOneBaseServedOnce(driver: String) throws {
        try withBases { scorpio, directory, _ in
            for job in ["one", "two"] {
                let mounted = try scorpio.run(["mount", job, "--driver", driver])
                try #require(mounted.status == 0, "\(mounted.standardError)")
            }
            defer { for job in ["one", "two"] { _ = try? scorpio.run(["umount", job]) } }
            let listed = try bases(scorpio)
            #expect(listed.count == 1, "one base for both jobs")
            #expect(listed.first?.leases.count == 2, "each job holds a lease: \(listed)")
            #expect(listed.first?.server_pid != nil)
            #expect(baseMounts(under: directory).count == 1, "the base is mounted once")
            #expect(sh("cat '\(directory)/antares/mnt/one/src/hello.txt' '\(directory)/antares/mnt/two/src/hello.txt'").output == "hello\nhello\n")
        }
    }

    @Test(arguments: ["fuse", "kernel"])
    func anUnmountedJobHasLetGoOfItsLeaseWhenUmountReturns(driver: String) throws {
        try withBases(linger: 60) { scorpio, directory, _ in
            for job in ["one", "two"] {
                let mounted = try scorpio.run(["mount", job, "--driver", driver])
                try #require(mounted.status == 0, "\(mounted.standardError)")
            }
            for job in ["one", "two"] {
                let started = ContinuousClock.now
                #expect(try scorpio.run(["umount", job]).status == 0)
                let waited = ContinuousClock.now - started
                let held = heldLeases(under: directory)
                #expect(held.isEmpty == (job == "two"), "after umount \(job) (\(waited)): \(describeHolders(of: held))")
            }
            let collected = try scorpio.run(["base", "gc"])
            #expect(collected.standardOutput.contains("ended"), "the base is idle at once: \(collected.standardOutput)")
            #expect(baseMounts(under: directory).isEmpty)
        }
    }

    /// A background mount is made by the command itself, then handed to a process forked after it
    /// (which starts the fuse driver's server): the one the job's record and its lease name, which holds
    /// the lease and none of the caller's descriptors. The job is whole when the command returns, its
    /// `.git` included. The base's server the command started on the way is not left a child of that
    /// process (which would have to reap it, on a thread of its own).
    @Test(arguments: ["kernel", "fuse"])
    func aMountIsHandedToTheProcessItsRecordAndLeaseName(driver: String) throws {
        try withBases(linger: 60) { scorpio, directory, repository in
            // Descriptor 3 is a pipe to `cat`: the shell goes on only once every holder has closed it.
            let mount = "'\(scorpio.executable)' --config-path '\(directory)/scorpio.toml' mount handed --driver \(driver)"
            let view = directory.appending("antares/mnt/handed")
            let mounted = sh("cd '\(repository)' && timeout 20 sh -c \"\(mount) 3>&1 >/dev/null | cat\" && git -C '\(view)' log --format=%s -1")
            try #require(mounted.status == 0, "the caller's pipe is let go (status \(mounted.status), 124: still held)")
            defer { _ = try? scorpio.run(["umount", "handed"]) }
            #expect(mounted.output == sh("git -C '\(repository)' log --format=%s -1").output, "git reads the job's history at once")
            #expect(MountTable.mount(at: view)?.fileSystemType == (driver == "kernel" ? "overlay" : "fuse.scorpio-union"))

            let state = try contents(of: directory.appending("antares/state.toml"))
            let pidLine = try #require(state.split(separator: "\n").first { $0.hasPrefix("pid = ") })
            let server = try #require(Int32(pidLine.dropFirst("pid = ".count)))
            #expect(kill(server, 0) == 0, "the recorded server \(server) serves")
            #expect(state.contains("state = \"Ready\""), "\(state)")
            let base = try #require(try bases(scorpio).first)
            #expect(base.leases == ["\(server) job handed"], "the lease names the serving process: \(base.leases)")
            let basePID = try #require(base.server_pid)
            let stat = (try? contents(of: FilePath("/proc/\(basePID)/stat"))) ?? ""
            let parent = stat.split(separator: ")").last?.split(separator: " ").dropFirst().first.flatMap { Int32($0) }
            #expect(parent != nil && parent != server, "the base's server is not the job server's child: parent \(parent ?? -1)")

            #expect(kill(server, SIGKILL) == 0)
            #expect(try waitUntil { try bases(scorpio).first?.leases.isEmpty ?? true }, "the lease went with the process that held it")
            let listed = try scorpio.run(["list"]).standardOutput
            #expect(listed.contains("its serving process \(server) is gone"), "\(listed)")
            #expect(mountpoints(under: directory.appending("antares/mnt")).isEmpty, "no dead mount is left")
        }
    }

    @Test func aKilledJobLetsGoOfItsLeaseAndTheBaseEndsWithTheLast() throws {
        try withBases { scorpio, directory, _ in
            let mounted = try scorpio.run(["mount", "doomed", "--driver", "fuse"])
            try #require(mounted.status == 0, "\(mounted.standardError)")
            let holder = try #require(try bases(scorpio).first?.leases.first?.split(separator: " ").first.flatMap { Int32($0) })
            kill(holder, SIGKILL)
            #expect(try waitUntil { try bases(scorpio).first?.leases.isEmpty ?? true }, "the lease went with its holder")
            #expect(waitUntil { baseMounts(under: directory).isEmpty }, "an unused base ends (base_linger 0)")
            detachMounts(under: directory.appending("antares/mnt"))
        }
    }

    @Test func aBaseWhoseServerDiedIsReplacedByTheNextJob() throws {
        try withBases(linger: 60) { scorpio, directory, _ in
            #expect(try scorpio.run(["run", "--clean", "--", "true"]).status == 0)
            let first = try #require(try bases(scorpio).first?.server_pid)
            // The next job starts at once: the server may still be dying, its lock and device open.
            kill(first, SIGKILL)
            let next = try scorpio.run(["run", "--clean", "--", "cat", "src/hello.txt"])
            #expect(next.status == 0 && next.standardOutput == "hello\n", "\(next.standardError)")
            let listed = try bases(scorpio)
            #expect(listed.count == 1 && listed.first?.server_pid != nil && listed.first?.server_pid != first, "a fresh server: \(listed)")
            #expect(baseMounts(under: directory).count == 1, "no dead mount is left beside it: \(baseMounts(under: directory))")
            #expect(!MountTable.isDeadFuseMount(FilePath(listed.first!.mountpoint)))
            let collected = try scorpio.run(["base", "gc"])
            #expect(collected.standardOutput.contains("ended"), "\(collected.standardOutput)")
            #expect(baseMounts(under: directory).isEmpty)
        }
    }

    @Test func aBaseLingersAfterItsLastJobThenEnds() throws {
        try withBases(linger: 1) { scorpio, directory, _ in
            #expect(try scorpio.run(["run", "--clean", "--", "true"]).status == 0)
            #expect(baseMounts(under: directory).count == 1, "kept after the job")
            #expect(try bases(scorpio).first?.leases.isEmpty == true)
            let second = try scorpio.run(["run", "--clean", "--", "true"])
            #expect(second.status == 0)
            #expect(try bases(scorpio).count == 1, "the next job found it")
            // The server unmounts first, then removes its directory: both are gone once it has ended.
            #expect(waitUntil { baseMounts(under: directory).isEmpty }, "ended once its linger ran out")
            #expect(waitUntil { (try? bases(scorpio).isEmpty) == true }, "no longer listed: \((try? bases(scorpio)) ?? [])")
        }
    }

    /// A base whose directories are removed from under it (its mount detached, as a test's or a
    /// host's cleanup does) ends without making them again: no lock file is left behind.
    @Test func aBaseWhoseRootIsRemovedEndsWithoutMakingItAgain() throws {
        try withBases(linger: 60) { scorpio, directory, _ in
            #expect(try scorpio.run(["run", "--clean", "--", "true"]).status == 0)
            let server = try #require(try bases(scorpio).first?.server_pid)
            let root = directory.appending("antares/bases")
            // Stopped meanwhile, the server finds its mount gone only once the root is too.
            kill(server, SIGSTOP)
            detachMounts(under: root)
            let removed = sh("rm -rf '\(root)' 2>&1")
            kill(server, SIGCONT)
            try #require(removed.status == 0, "\(removed.output)")
            // Ended: gone, or a zombie until whoever adopted it reaps it.
            let ended = waitUntil {
                let stat = (try? contents(of: FilePath("/proc/\(server)/stat"))) ?? ""
                return stat.isEmpty || stat.split(separator: ")").last?.split(separator: " ").first == "Z"
            }
            #expect(ended, "the base's server \(server) ends")
            #expect(!FileManager.default.fileExists(atPath: root.string), "\(root) is not made again")
        }
    }

    @Test func aSourceErrorBehindAnEIOIsInTheBasesLog() throws {
        try withBases(linger: 60) { scorpio, directory, repository in
            #expect(try scorpio.run(["run", "--clean", "--", "true"]).status == 0)
            let blob = sh("cd '\(repository)' && git rev-parse HEAD:src/hello.txt").output.trimmingCharacters(in: .whitespacesAndNewlines)
            try #require(blob.count == 40)
            let object = repository.appending(".git/objects/\(blob.prefix(2))/\(blob.dropFirst(2))")
            try #require(unlink(object.string) == 0, "the blob is a loose object")
            let read = try scorpio.run(["run", "--clean", "--", "cat", "src/hello.txt"])
            #expect(read.status != 0)
            #expect(read.standardError.contains("Input/output error"), "\(read.standardError)")
            let logs = sh("cat '\(directory)'/antares/bases/*.log").output
            #expect(logs.contains("the source failed") && logs.contains(String(blob.prefix(7))), "\(logs)")
            #expect(try scorpio.run(["base", "gc"]).status == 0)
            #expect(sh("cat '\(directory)'/antares/bases/*.log").output.contains("unmounted"), "the log outlives its base")
        }
    }

    @Test func aScorpioUnderAnotherNameServesItsOwnBases() throws {
        try withBases { scorpio, directory, repository in
            let renamed = directory.appending("bin/ci-scorpio")
            #expect(sh("mkdir -p '\(directory)/bin' && { ln '\(scorpio.executable)' '\(renamed)' || cp '\(scorpio.executable)' '\(renamed)'; }").status == 0)
            let other = ScorpioProcess(executable: renamed, workingDirectory: repository, configPath: directory.appending("scorpio.toml"))
            let ran = try other.run(["run", "--clean", "--", "cat", "src/hello.txt"], environment: ["PATH": "/usr/bin:/bin"])
            #expect(ran.status == 0 && ran.standardOutput == "hello\n", "no scorpio beside it or on PATH: \(ran.standardError)")
        }
    }

    @Test func configurationsWithTheirOwnStoresNeverShareABase() throws {
        try withBases(linger: 60) { scorpio, directory, repository in
            let config = try String(contentsOfFile: directory.appending("scorpio.toml").string, encoding: .utf8)
            let otherStore = config.replacingOccurrences(of: "store_path = \"\(directory)/store\"", with: "store_path = \"\(directory)/store2\"")
            try #require(otherStore != config)
            try write(otherStore, to: directory.appending("store2.toml"))
            let other = ScorpioProcess(executable: scorpio.executable, workingDirectory: repository, configPath: directory.appending("store2.toml"))
            #expect(try scorpio.run(["run", "--clean", "--", "cat", "src/hello.txt"]).status == 0)
            let ran = try other.run(["run", "--clean", "--", "cat", "src/hello.txt"])
            #expect(ran.status == 0 && ran.standardOutput == "hello\n", "\(ran.standardError)")
            #expect(try bases(scorpio).count == 2, "one base per store")
            #expect(sh("ls '\(directory)/store2/objects' | wc -l").output.trimmingCharacters(in: .whitespacesAndNewlines) != "0",
                "the second job's reads were fetched into its own store")
            #expect(try scorpio.run(["base", "gc"]).status == 0)
        }
    }
}
