import Antares
import Foundation
import Glibc
import SystemPackage

/// Which union driver a job gets, and why: the one asked for, or for `auto` the kernel driver where
/// this host lets the process mount kernel overlayfs (probed once per boot, the answer kept beside the
/// shared bases), else the fuse driver. docs/antares.md has the measurements behind the preference.
public struct DriverChoice: Sendable, Equatable {
    public let kind: UnionDriverKind
    /// Why this driver, for the job's first line.
    public let reason: String

    /// `requested` (a flag) wins over `configured` (`union_driver`).
    public init(_ configured: UnionDriver, requested: UnionDriver? = nil, config: ScorpioConfig) {
        switch requested ?? configured {
        case .fuse:
            kind = .fuse
            reason = "as configured"
        case .kernel:
            kind = .kernel
            reason = "as configured"
        case .auto:
            let probe = Self.kernelOverlayProbe(cacheDirectory: config.antares.baseRoot.removingLastComponent())
            kind = probe.succeeded ? .kernel : .fuse
            reason = probe.succeeded ? "auto: kernel overlayfs works on this host" : "auto: kernel overlayfs is not available here (\(probe.detail))"
        }
    }

    /// Whether this process may mount kernel overlayfs, from the cache when this boot already said.
    static func kernelOverlayProbe(cacheDirectory: FilePath) -> HostProbeOutcome {
        guard geteuid() == 0 else { return .failed("it needs root") }
        let cache = cacheDirectory.appending("overlay-probe-\(geteuid())")
        let boot = HostBoot.id
        if let cached = try? String(contentsOfFile: cache.string, encoding: .utf8) {
            let lines = cached.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            if lines.count == 3, lines[0] == boot { return HostProbeOutcome(succeeded: lines[1] == "yes", detail: lines[2]) }
        }
        let outcome = runProbe()
        try? FileManager.default.createDirectory(atPath: cacheDirectory.string, withIntermediateDirectories: true)
        try? "\(boot)\n\(outcome.succeeded ? "yes" : "no")\n\(outcome.detail)".write(toFile: cache.string, atomically: true, encoding: .utf8)
        return outcome
    }

    private static func runProbe() -> HostProbeOutcome {
        guard let executable = try? ScorpioExecutable.locate() else { return .failed("no scorpio binary to probe with") }
        var template = Array("/tmp/scorpio-overlay-probe.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { return .failed("mkdtemp: \(Errno(rawValue: errno))") }
        let scratch = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        return HostProbeLauncher(executable: executable).run(.overlayMount, argument: scratch)
    }
}
