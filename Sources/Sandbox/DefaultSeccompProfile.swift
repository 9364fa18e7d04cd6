#if canImport(Glibc)
import Glibc
#endif

extension SeccompProfile {
    /// Allows everything except what lets a job leave or reshape its sandbox, in the spirit of Docker's
    /// default profile: mounts (old and new API), namespaces, kernel modules, kexec, reboot, swap, bpf,
    /// keyrings, perf, userfaultfd, file handles, clock and host identity changes, io_uring. Denied calls
    /// fail with EPERM; `clone3` fails with ENOSYS so that libc falls back to `clone`, whose namespace
    /// flags are checked here. `ptrace` stays allowed: the PID namespace only holds the job.
    public static let `default` = SeccompProfile(
        defaultAction: .allow,
        rules: [
            SeccompRule(names: deniedSystemCalls, action: .errno(EPERM)),
            SeccompRule(names: ["clone3"], action: .errno(ENOSYS)),
        ] + namespaceFlagsOfClone.map { flag in
            SeccompRule(
                names: ["clone"], action: .errno(EPERM),
                conditions: [SeccompCondition(index: 0, comparison: .maskedEqual, value: flag, valueTwo: flag)])
        }
    )

    static let deniedSystemCalls = [
        "mount", "umount", "umount2", "pivot_root",
        "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
        "unshare", "setns",
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
        "create_module", "get_kernel_syms", "query_module",
        "reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd",
        "bpf", "keyctl", "add_key", "request_key",
        "open_by_handle_at", "perf_event_open", "userfaultfd", "lookup_dcookie", "nfsservctl",
        "iopl", "ioperm", "uselib", "vm86", "vm86old", "syslog",
        "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime",
        "sethostname", "setdomainname",
        "io_uring_setup", "io_uring_enter", "io_uring_register",
    ]

    /// CLONE_NEWNS, NEWUSER, NEWPID, NEWNET, NEWUTS, NEWIPC, NEWCGROUP: one rule per flag, since a
    /// rule tests `(flags & mask) == value`.
    static let namespaceFlagsOfClone: [UInt64] = [
        0x0002_0000, 0x1000_0000, 0x2000_0000, 0x4000_0000, 0x0400_0000, 0x0800_0000, 0x0200_0000,
    ]
}
