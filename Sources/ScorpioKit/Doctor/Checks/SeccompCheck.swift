import SystemPackage

/// The kernel filters system calls with seccomp, and a filter really installs (in a probe process).
struct SeccompCheck: DoctorCheck {
    static let name = "seccomp"

    func run(in context: DoctorContext) -> DoctorFinding {
        guard let actions = try? FilePath("/proc/sys/kernel/seccomp/actions_avail").readContents(),
              String(decoding: actions, as: UTF8.self).split(whereSeparator: \.isWhitespace).contains("errno")
        else {
            return .failed(Self.name, "the kernel offers no seccomp filters with the errno action "
                               + "(/proc/sys/kernel/seccomp/actions_avail)",
                           fix: "use a kernel built with CONFIG_SECCOMP_FILTER")
        }
        guard let launcher = context.probeLauncher else {
            return .warning(Self.name, "kernel supports filters; install not tried (no scorpio executable to probe with)",
                            fix: "run `scorpio doctor`")
        }
        let outcome = launcher.run(.seccompFilter)
        guard outcome.succeeded else {
            return .failed(Self.name, outcome.detail,
                           fix: "allow seccomp in this environment (a container may need `--security-opt seccomp=unconfined` "
                               + "to stack filters, or no_new_privs may be blocked)")
        }
        return .passed(Self.name, outcome.detail)
    }
}
