#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Enters new namespaces and makes the mount tree private, as the job sandbox will.
enum NamespaceProbe {
    static func run(flags: Int32, described flagNames: String) -> HostProbeOutcome {
        do {
            try LinuxCalls.unshare(flags)
        } catch {
            return .failed("unshare(\(flagNames)): \(error.description)")
        }
        guard mount("none", "/", nil, UInt(MS_REC | MS_PRIVATE), nil) == 0 else {
            return .failed("unshare(\(flagNames)) worked, but making / private failed: \(Errno(rawValue: errno).description)")
        }
        return .passed("unshare(\(flagNames)) and a private mount tree work")
    }
}
