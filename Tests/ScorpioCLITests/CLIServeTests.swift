import CSyscalls
import Foundation
import ScorpioTestSupport
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `scorpio serve`, and `scorpio mount|list|umount --daemon` against it, run as a CI step would.
@Suite("scorpio serve", .enabled(if: CLIDoctorTests.privileged, "needs root and /dev/fuse"))
struct CLIServeTests {
    @Test func jobsGoThroughTheDaemonAndSIGTERMLeavesNothingMounted() throws {
        try withJobSandbox { scorpio, directory, repository in
            let server = try BackgroundScorpio(scorpio, ["serve", "--repo", repository.string, "--bind", "127.0.0.1:0"], in: directory)
            defer { server.kill() }
            let address = try server.waitForListeningAddress()
            let url = "http://\(address)"

            let mounted = try scorpio.run(["mount", "job-a", "--daemon", url])
            #expect(mounted.status == 0, "\(mounted.standardError)")
            #expect(mounted.standardOutput.contains("job job-a mounted at \(directory.string)/antares/mnt/job-a"), "\(mounted.standardOutput)")
            #expect(try scorpio.run(["mount", "job-b", "--daemon", url, "--path", "src"]).status == 0)
            #expect(try scorpio.run(["mount", "job-c", "--daemon", url]).status == 0)
            #expect(try contents(of: directory.appending("antares/mnt/job-b/hello.txt")) == "hello\n")

            let conflict = try scorpio.run(["mount", "job-a", "--daemon", url, "--path", "src"])
            #expect(conflict.status == 1)
            #expect(conflict.standardError.contains("INVALID_REQUEST") && conflict.standardError.contains("job-a"), "\(conflict.standardError)")
            let local = try scorpio.run(["mount", "job-d", "--daemon", url, "--at", "/tmp/x"])
            #expect(local.status == 2 && local.standardError.contains("--at cannot be used with --daemon"), "\(local.standardError)")

            let upstreamStyle = try scorpio.run(["http-mount", "/src", "--job-id", "job-a", "--endpoint", url + "/antares"])
            #expect(upstreamStyle.status == 1 && upstreamStyle.standardError.contains("already mounted"), "\(upstreamStyle.standardError)")
            let again = try scorpio.run(["http-mount", "/", "--job-id", "job-a", "--endpoint", url + "/antares"])
            #expect(again.status == 0 && again.standardOutput.contains(#""mountpoint":"\#(directory.string)/antares/mnt/job-a""#), "\(again.standardOutput)")

            let listed = try scorpio.run(["list", "--daemon", url])
            let lines = listed.standardOutput.split(separator: "\n")
            #expect(lines.count == 3 && lines.allSatisfy { $0.contains("\tReady\t") }, "\(listed.standardOutput)")
            let json = try scorpio.run(["list", "--daemon", url, "--json"])
            #expect(json.standardOutput.contains("\"job_id\" : \"job-b\""), "\(json.standardOutput)")

            let unmounted = try scorpio.run(["umount", "job-a", "--daemon", url])
            #expect(unmounted.status == 0, "\(unmounted.standardError)")
            let unions = mounts(under: directory.appending("antares/mnt")).filter { !$0.hasSuffix("/.git/host-objects") }
            #expect(unions.count == 2, "\(mounts(under: directory)) \(server.errors)")
            let unknown = try scorpio.run(["umount", "job-z", "--daemon", url])
            #expect(unknown.status == 1 && unknown.standardError.contains("NOT_FOUND"), "\(unknown.standardError)")

            // Two live mounts when the daemon is told to stop.
            let status = try server.terminate()
            #expect(status == 0, "\(server.errors)")
            #expect(mounts(under: directory).isEmpty, "\(mounts(under: directory))")
            #expect(server.output.contains("stopped"), "\(server.output)")
            let state = try contents(of: directory.appending("antares/state.toml"))
            #expect(state.components(separatedBy: "state = \"Unmounted\"").count - 1 == 3, "\(state)")
            let unreachable = try scorpio.run(["list", "--daemon", url])
            #expect(unreachable.status == 1 && unreachable.standardError.contains("cannot reach the daemon"), "\(unreachable.standardError)")
        }
    }

    @Test func refusesToListenBeyondLoopbackWithoutATokenAndAnAddressInUse() throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let open = try scorpio.run(["serve", "--bind", "0.0.0.0:0"])
            #expect(open.status == 2)
            #expect(open.standardError.contains("requires api_token"), "\(open.standardError)")

            let repository = try makeTestRepository(in: directory)
            let server = try BackgroundScorpio(scorpio, ["serve", "--repo", repository.string, "--bind", "127.0.0.1:0"], in: directory)
            defer { server.kill() }
            let address = try server.waitForListeningAddress()
            let taken = try scorpio.run(["serve", "--repo", repository.string, "--bind", address])
            #expect(taken.status == 4, "\(taken.standardError)")
            #expect(taken.standardError.contains("cannot listen on \(address)"), "\(taken.standardError)")
            #expect(try server.terminate() == 0)
        }
    }

    @Test func refusesToStartOnABaseItCannotOpen() throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let repository = try makeTestRepository(in: directory)
            let cases = [
                (["--repo", directory.appending("missing").string], "no git repository at \(directory.appending("missing"))"),
                (["--repo", repository.string, "--rev", "no-such-branch"], "revision 'no-such-branch' not found"),
            ]
            for (base, complaint) in cases {
                let server = try BackgroundScorpio(scorpio, ["serve"] + base + ["--bind", "127.0.0.1:0"], in: directory)
                defer { server.kill() }
                #expect(try server.waitForExit() == 1)
                #expect(server.errors.contains(complaint), "\(server.errors)")
                #expect(!server.output.contains("listening"), "\(server.output)")
            }
        }
    }

    @Test func serveHelpTeaches() throws {
        try withSandbox { scorpio, _ in
            let help = try scorpio.run(["serve", "--help"])
            #expect(help.status == 0)
            for phrase in ["--bind", "SIGTERM", "Bearer", "/mounts", "curl", "--daemon"] {
                #expect(help.standardOutput.contains(phrase), "\(phrase)")
            }
        }
    }
}

/// A `scorpio` process left running (a server), its output in files: started with default signal
/// dispositions and mask, and nothing of the test's open descriptors.
final class BackgroundScorpio {
    let pid: pid_t
    private let outputFile: FilePath
    private let errorFile: FilePath
    private var exitStatus: Int32?

    /// - Parameter setup: shell commands run before scorpio starts (`ulimit -n 200`).
    init(_ scorpio: ScorpioProcess, _ arguments: [String], in directory: FilePath, setup: String = "true") throws {
        outputFile = directory.appending("server-\(UUID().uuidString).out")
        errorFile = directory.appending("server-\(UUID().uuidString).err")
        let quoted = ([scorpio.executable.string] + arguments).map { "'\($0.replacingAll("'", with: "'\\''"))'" }.joined(separator: " ")
        let command = "cd '\(directory)' && \(setup) && HOME='\(directory)' exec \(quoted)"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, outputFile.string, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errorFile.string, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        pid = try spawnShell(command, actions: &actions, environment: ["PATH=\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"])
    }

    var output: String { (try? contents(of: outputFile)) ?? "" }
    var errors: String { (try? contents(of: errorFile)) ?? "" }

    /// `host:port` from the server's "listening on" line.
    func waitForListeningAddress() throws -> String {
        for _ in 0..<500 {
            if let line = output.split(separator: "\n").first(where: { $0.hasPrefix("scorpio: listening on ") }) {
                return String(line.dropFirst("scorpio: listening on ".count).split(separator: " ")[0])
            }
            if hasEnded { break }
            usleep(20_000)
        }
        throw ServerError(message: "the server did not listen: \(errors)")
    }

    /// SIGTERM, then its exit status once it has ended (at most 30 s).
    func terminate() throws -> Int32 {
        Glibc.kill(pid, SIGTERM)
        return try waitForExit()
    }

    /// Its exit status once it has ended by itself (at most 30 s).
    func waitForExit() throws -> Int32 {
        for _ in 0..<1500 {
            if hasEnded, let exitStatus { return exitStatus }
            usleep(20_000)
        }
        throw ServerError(message: "the server did not end within 30 s")
    }

    /// Ends it at once if it still runs (for paths that did not get to `terminate`).
    func kill() {
        guard !hasEnded else { return }
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        exitStatus = -1
    }

    private var hasEnded: Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return false }
        exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return true
    }

    struct ServerError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

@Suite("scorpio serve recovers", .enabled(if: CLIDoctorTests.privileged, "needs root and /dev/fuse"))
struct CLIServeRecoveryTests {
    /// A job whose server was killed is detached and shown Failed by a daemon started after, its work kept.
    @Test func aJobOfADeadServerIsRecoveredAtStart() throws {
        try withJobSandbox { scorpio, directory, repository in
            #expect(try scorpio.run(["mount", "orphan", "--repo", repository.string]).status == 0)
            try write("work\n", to: directory.appending("antares/mnt/orphan/work.txt"))
            let state = try contents(of: directory.appending("antares/state.toml"))
            let pidLine = try #require(state.split(separator: "\n").first { $0.hasPrefix("pid = ") })
            let pid = try #require(Int32(pidLine.dropFirst("pid = ".count)))
            #expect(kill(pid, SIGKILL) == 0)
            var waited = 0
            while kill(pid, 0) == 0 && waited < 100 {
                usleep(20_000)
                waited += 1
            }

            let server = try BackgroundScorpio(scorpio, ["serve", "--repo", repository.string, "--bind", "127.0.0.1:0"], in: directory)
            defer { server.kill() }
            let url = "http://\(try server.waitForListeningAddress())"
            #expect(mounts(under: directory).isEmpty, "the dead mount is detached: \(mounts(under: directory))")
            let listed = try scorpio.run(["list", "--daemon", url])
            #expect(listed.standardOutput.hasPrefix("orphan\tFailed: its serving process \(pid) is gone"), "\(listed.standardOutput)")
            #expect(try scorpio.run(["diff", "orphan"]).standardOutput == "A work.txt\n", "the job's work is kept")
            #expect(try server.terminate() == 0)
        }
    }
}
