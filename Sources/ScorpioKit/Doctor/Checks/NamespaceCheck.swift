import SystemPackage

/// Jobs run in a private mount namespace; without root they also need a user namespace.
/// Both are really entered, in a fresh probe process.
struct NamespaceCheck: DoctorCheck {
    enum Kind: Sendable {
        case mount, user
    }

    let kind: Kind

    var name: String { kind == .mount ? "mount namespace" : "user namespace" }

    func run(in context: DoctorContext) -> DoctorFinding {
        guard let launcher = context.probeLauncher else {
            return .warning(name, "not tried: no scorpio executable to probe with", fix: "run `scorpio doctor`")
        }
        // Without root a mount namespace is only reachable from inside a user namespace.
        let probe: HostProbe = (kind == .mount && context.isRoot) ? .mountNamespace : .userNamespace
        let outcome = launcher.run(probe)
        if outcome.succeeded {
            return .passed(name, outcome.detail)
        }
        let required = kind == .mount || !context.isRoot
        return DoctorFinding.failed(name, outcome.detail + Self.userNamespaceLimitNote(), fix: fix)
            .warningUnless(required: required, because: "optional as root")
    }

    private var fix: String {
        switch kind {
        case .mount:
            return "run as root or with CAP_SYS_ADMIN; in a container, allow unshare(2) "
                + "(e.g. `--cap-add SYS_ADMIN --security-opt seccomp=unconfined`)"
        case .user:
            return "allow unprivileged user namespaces (`sysctl user.max_user_namespaces=15000`, and on Debian/Ubuntu "
                + "`sysctl kernel.unprivileged_userns_clone=1`), or run as root"
        }
    }

    private static func userNamespaceLimitNote() -> String {
        guard let bytes = try? FilePath("/proc/sys/user/max_user_namespaces").readContents(),
              String(decoding: bytes, as: UTF8.self).trimmingSpaces == "0"
        else { return "" }
        return " (user.max_user_namespaces is 0)"
    }
}
