import Foundation
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

    public func run(_ probe: HostProbe, argument: String? = nil) -> HostProbeOutcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.string)
        process.arguments = [HostProbe.command, probe.rawValue] + (argument.map { [$0] } ?? [])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .failed("cannot start \(executable.string): \(error.localizedDescription)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let detail = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let succeeded = process.terminationReason == .exit && process.terminationStatus == 0
        if process.terminationReason == .uncaughtSignal {
            return .failed("probe process killed by signal \(process.terminationStatus)" + (detail.isEmpty ? "" : ": \(detail)"))
        }
        return HostProbeOutcome(succeeded: succeeded, detail: detail.isEmpty ? "probe exited with status \(process.terminationStatus)" : detail)
    }
}
