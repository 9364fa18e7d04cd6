/// The capabilities a job keeps, bounding set included (no execve gets the others back). Irrelevant to
/// a job that runs as a non-root `user`: changing uid clears them all.
public enum CapabilityPolicy: Sendable, Equatable {
    /// Every capability the caller has (root: all of them; only seccomp and the mounts hold the job).
    case all
    /// Docker's default set: chown, dac_override, fowner, fsetid, kill, setgid, setuid, setpcap,
    /// net_bind_service, net_raw, sys_chroot, mknod, audit_write, setfcap. No net_admin, sys_admin,
    /// sys_ptrace, sys_module, sys_rawio, sys_time…
    case dockerDefault
    /// Exactly these capabilities: bit n is capability n (CAP_CHOWN = 0 … see capabilities(7)).
    case mask(UInt64)

    /// The mask to keep, or nil to keep everything.
    var keptMask: UInt64? {
        switch self {
        case .all: nil
        case .dockerDefault: 0xa804_25fb
        case .mask(let mask): mask
        }
    }
}
