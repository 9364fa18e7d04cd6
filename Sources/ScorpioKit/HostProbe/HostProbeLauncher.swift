import CSyscalls
import Foundation
import Glibc
import SystemPackage

/// Runs a `HostProbe` in a new process of the `scorpio` executable and reads what it saw.
public struct HostProbeLauncher: Sendable {
    /// The `scorpio` binary (anything that calls `HostProbe.runIfRequested` first thing).
    public let executable: FilePath

    public init(executable: FilePath) {
        self.executable = executable
    }

    /// The launcher for the running binary, through `/proc/self/exe`.
    public static var currentExecutable: HostProbeLauncher? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return HostProbeLauncher(executable: FilePath(path))
    }

    /// Runs `probe` and waits for it. The process is spawned and waited for by this thread alone (no
    /// Foundation `Process`, whose watcher thread would stay): a `scorpio mount` that probes its
    /// driver must still be able to fork its background server afterwards.
    public func run(_ probe: HostProbe, argument: String? = nil) -> HostProbeOutcome {
        let arguments = [executable.string, HostProbe.command, probe.rawValue] + (argument.map { [$0] } ?? [])
        var ends: [Int32] = [0, 0]
        guard pipe2(&ends, O_CLOEXEC) == 0 else { return .failed("cannot start \(executable.string): pipe: \(Errno(rawValue: errno))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&actions, ends[1], STDERR_FILENO)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        close(ends[1])
        defer { close(ends[0]) }
        guard spawned == 0 else { return .failed("cannot start \(executable.string): \(Errno(rawValue: spawned))") }
        let detail = String(decoding: DescriptorReading.toEnd(ends[0]), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        if signal != 0 {
            return .failed("probe process killed by signal \(signal)" + (detail.isEmpty ? "" : ": \(detail)"))
        }
        let exitStatus = (status >> 8) & 0xff
        return HostProbeOutcome(succeeded: exitStatus == 0, detail: detail.isEmpty ? "probe exited with status \(exitStatus)" : detail)
    }
}
