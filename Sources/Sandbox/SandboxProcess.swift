#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SystemPackage

/// Runs a command in a sandbox: new mount and PID namespaces (and network, on request) over a read-only
/// host, with the workspace and writable paths bound read-write, a private /tmp, no_new_privs and a
/// seccomp filter. Everything between clone and execve is C (CSandbox); this side builds the spec,
/// forwards signals and waits. Standard input, output, error and the terminal are the caller's.
public enum SandboxProcess {
    /// Runs `spec` to completion. Throws when the sandbox could not be started at all; a failure inside
    /// it (setup, command not found or not executable) comes back as ``SandboxResult/setupError``.
    public static func run(_ spec: SandboxSpec) throws -> SandboxResult {
        try run(spec, whenStarted: { _ in })
    }

    /// `run`, telling `whenStarted` the sandbox init's pid once signals to it are forwarded.
    static func run(_ spec: SandboxSpec, whenStarted: (pid_t) -> Void) throws -> SandboxResult {
        try validate(spec)
        let seccomp = try compiledSeccomp(spec.seccomp)
        let argv = CStringArray([spec.command] + spec.arguments)
        let envp = CStringArray(spec.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        let writable = CStringArray(spec.writablePaths.map(\.string))
        let (pid, reportFD) = try spawn(spec, argv: argv, envp: envp, writable: writable, seccomp: seccomp)
        let forwarding = SignalForwarding.register(pid)  // beyond 256 concurrent runs: not forwarded
        whenStarted(pid)
        let report = readReport(reportFD)
        // Stop forwarding before reaping, so that a signal never reaches a recycled pid.
        let exited = waitUntilExited(pid)
        if forwarding { SignalForwarding.unregister(pid) }
        guard exited == 0 else { throw SandboxError.wait(errno: exited) }
        let exitStatus = try reap(pid)
        return SandboxResult(exitStatus: exitStatus, setupError: setupError(report: report, exitStatus: exitStatus))
    }

    private static func validate(_ spec: SandboxSpec) throws(SandboxError) {
        guard !spec.command.isEmpty else { throw .invalidSpec("empty command") }
        guard spec.workingDirectory.isAbsolute else { throw .invalidSpec("working directory must be absolute") }
        if let workspace = spec.workspace {
            guard workspace.source.isAbsolute, workspace.target.isAbsolute else {
                throw .invalidSpec("workspace source and target must be absolute")
            }
        }
        if let namespace = spec.userNamespace, namespace.uidMappings.isEmpty || namespace.gidMappings.isEmpty {
            throw .invalidSpec("a user namespace needs uid and gid mappings")
        }
        for path in spec.writablePaths where !path.isAbsolute {
            throw .invalidSpec("writable path \(path) must be absolute")
        }
        let strings = [spec.command] + spec.arguments + spec.environment.flatMap { [$0.key, $0.value] }
        guard !strings.contains(where: { $0.utf8.contains(0) }) else { throw .invalidSpec("a string holds NUL") }
        guard !spec.environment.keys.contains(where: { $0.isEmpty || $0.contains("=") }) else {
            throw .invalidSpec("an environment name is empty or holds '='")
        }
    }

    private static func compiledSeccomp(_ policy: SeccompPolicy) throws -> SeccompProgram? {
        switch policy {
        case .none: return nil
        case .default: return try SeccompProgram(.default)
        case .profile(let path): return try SeccompProgram(SeccompProfile.load(contentsOf: path))
        }
    }

    private static func spawn(
        _ spec: SandboxSpec, argv: CStringArray, envp: CStringArray, writable: CStringArray, seccomp: SeccompProgram?
    ) throws(SandboxError) -> (pid_t, Int32) {
        var pid: pid_t = 0
        var reportFD: Int32 = -1
        let workspaceSource = spec.workspace.map { strdup($0.source.string) } ?? nil
        let workspaceTarget = spec.workspace.map { strdup($0.target.string) } ?? nil
        let workingDirectory = strdup(spec.workingDirectory.string)
        let uidMap = spec.userNamespace.map { strdup(UserNamespace.mapText($0.uidMappings)) } ?? nil
        let gidMap = spec.userNamespace.map { strdup(UserNamespace.mapText($0.gidMappings)) } ?? nil
        defer { for string in [workspaceSource, workspaceTarget, workingDirectory, uidMap, gidMap] { free(string) } }
        var program = seccomp?.program ?? scorpio_seccomp_program()  // borrows seccomp's instructions
        let status = withExtendedLifetime(seccomp) { argv.withPointer { argvPointer in
            envp.withPointer { envpPointer in
                writable.withPointer { writablePointer in
                    withUnsafePointer(to: &program) { programPointer in
                        var cSpec = scorpio_sandbox_spec(
                            argv: argvPointer, envp: envpPointer,
                            workspace_source: workspaceSource, workspace_target: workspaceTarget,
                            working_directory: workingDirectory, writable_paths: writablePointer,
                            private_tmp: spec.privateTmp ? 1 : 0, minimal_dev: spec.devices == .minimal ? 1 : 0,
                            private_network: spec.network == .none ? 1 : 0,
                            uid_map: uidMap, gid_map: gidMap,
                            change_identity: spec.user == nil ? 0 : 1,
                            uid: spec.user?.uid ?? 0, gid: spec.user?.gid ?? 0,
                            limit_capabilities: spec.capabilities.keptMask == nil ? 0 : 1,
                            capabilities: spec.capabilities.keptMask ?? 0,
                            seccomp: seccomp == nil ? nil : programPointer,
                            open_files_limit: spec.openFilesLimit ?? 0)
                        return scorpio_sandbox_spawn(&cSpec, &pid, &reportFD)
                    }
                }
            }
        } }
        guard status == 0 else { throw .spawn(errno: status) }
        return (pid, reportFD)
    }

    /// Reads the report pipe to EOF (the command's execve, or the child's exit) and closes it.
    private static func readReport(_ fd: Int32) -> String {
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = read(fd, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Waits for `pid` to exit without reaping it; returns 0 or errno.
    private static func waitUntilExited(_ pid: pid_t) -> Int32 {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 {
            guard errno == EINTR else { return errno }
        }
        return 0
    }

    private static func reap(_ pid: pid_t) throws(SandboxError) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw .wait(errno: errno) }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    private static func setupError(report: String, exitStatus: Int32) -> SandboxSetupError? {
        guard !report.isEmpty else { return nil }
        let kind: SandboxSetupError.Kind = switch exitStatus {
        case Int32(SCORPIO_SANDBOX_NOT_FOUND): .commandNotFound
        case Int32(SCORPIO_SANDBOX_NOT_EXECUTABLE): .commandNotExecutable
        default: .setupFailed
        }
        return SandboxSetupError(kind: kind, message: report)
    }
}
