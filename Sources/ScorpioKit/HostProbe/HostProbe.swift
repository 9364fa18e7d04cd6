#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Host capabilities that can only be tested in a fresh single-threaded process: namespaces
/// (`unshare(CLONE_NEWUSER)` refuses multithreaded callers) and seccomp (a filter is permanent).
///
/// The doctor re-executes the `scorpio` binary as `scorpio __probe <name> [argument]`; the binary
/// hands its arguments to `HostProbe.runIfRequested(arguments:)` before doing anything else, so no
/// Swift code runs between fork and exec and the child has a single thread.
public enum HostProbe: String, Sendable, CaseIterable {
    /// `unshare(CLONE_NEWNS)` and a private mount tree.
    case mountNamespace = "mount-namespace"
    /// `unshare(CLONE_NEWUSER | CLONE_NEWNS)` and a private mount tree.
    case userNamespace = "user-namespace"
    /// A libseccomp filter that makes `uname(2)` fail with EPERM, observed to do so.
    case seccompFilter = "seccomp"
    /// In a private mount namespace: a kernel overlayfs mount over directories in the argument, a
    /// write through it landing in the upper directory, and the unmount.
    case overlayMount = "overlay-mount"

    /// The hidden first argument that selects a probe.
    public static let command = "__probe"

    /// Runs the probe that `arguments` (the process's `CommandLine.arguments`) asks for and returns
    /// the exit status to end the process with; nil when the arguments are not a probe request.
    /// The probe prints one line saying what it saw.
    public static func runIfRequested(arguments: [String]) -> Int32? {
        guard arguments.count >= 3, arguments[1] == command else { return nil }
        guard let probe = HostProbe(rawValue: arguments[2]) else {
            print("unknown probe \(arguments[2])")
            return 2
        }
        let outcome = probe.runHere(argument: arguments.count > 3 ? arguments[3] : nil)
        print(outcome.detail)
        return outcome.succeeded ? 0 : 1
    }

    /// Runs the probe in the calling process. Only for a fresh process started for it.
    func runHere(argument: String?) -> HostProbeOutcome {
        // A seccomp filter binds only the calling thread, so other threads do not spoil that probe.
        if let threads = ThreadCount.current(), threads > 1, self != .seccompFilter {
            return .failed("probe process has \(threads) threads; namespaces need a single-threaded process")
        }
        switch self {
        case .mountNamespace:
            return NamespaceProbe.run(flags: LinuxCalls.cloneNewNamespace, described: "CLONE_NEWNS")
        case .userNamespace:
            return NamespaceProbe.run(flags: LinuxCalls.cloneNewUser | LinuxCalls.cloneNewNamespace,
                                      described: "CLONE_NEWUSER|CLONE_NEWNS")
        case .seccompFilter:
            return SeccompProbe.run()
        case .overlayMount:
            guard let argument else { return .failed("overlay probe needs a scratch directory") }
            return OverlayMountProbe.run(scratch: FilePath(argument))
        }
    }
}

/// What a probe saw.
public struct HostProbeOutcome: Sendable, Equatable {
    public let succeeded: Bool
    /// One line: what worked, or which call failed and how.
    public let detail: String

    public static func passed(_ detail: String) -> HostProbeOutcome { HostProbeOutcome(succeeded: true, detail: detail) }
    public static func failed(_ detail: String) -> HostProbeOutcome { HostProbeOutcome(succeeded: false, detail: detail) }
}
