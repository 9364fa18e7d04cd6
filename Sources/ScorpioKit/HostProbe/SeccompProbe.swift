#if canImport(Glibc)
import Glibc
#endif
import CSeccomp
import SystemPackage

/// Installs a filter that makes `uname(2)` fail with EPERM and checks that it does.
enum SeccompProbe {
    static let allowAction: UInt32 = 0x7fff_0000  // SCMP_ACT_ALLOW

    /// SCMP_ACT_ERRNO(code): a function-like macro, so it does not import.
    static func errnoAction(_ code: Int32) -> UInt32 {
        0x0005_0000 | (UInt32(code) & 0x0000_ffff)
    }

    static func run() -> HostProbeOutcome {
        guard let filter = seccomp_init(allowAction) else { return .failed("seccomp_init failed") }
        defer { seccomp_release(filter) }
        let unameNumber = seccomp_syscall_resolve_name("uname")
        guard unameNumber >= 0 else { return .failed("libseccomp does not know uname on this architecture") }
        let added = seccomp_rule_add_array(filter, errnoAction(EPERM), unameNumber, 0, nil)
        guard added == 0 else { return .failed("seccomp_rule_add: \(Errno(rawValue: -added).description)") }
        let loaded = seccomp_load(filter)
        guard loaded == 0 else { return .failed("seccomp_load: \(Errno(rawValue: -loaded).description)") }
        var names = utsname()
        let result = uname(&names)
        let observed = errno
        guard result == -1, observed == EPERM else {
            return .failed("filter loaded, but uname(2) returned \(result) instead of failing with EPERM")
        }
        return .passed("a filter loaded and uname(2) failed with EPERM under it")
    }
}
