/// A run that could not even start.
public enum SandboxError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidSpec(String)
    case seccompCompilation(String)
    case spawn(errno: Int32)
    case wait(errno: Int32)

    public var description: String {
        switch self {
        case .invalidSpec(let reason): "invalid sandbox spec: \(reason)"
        case .seccompCompilation(let reason): "seccomp: \(reason)"
        case .spawn(let code): "cannot start the sandbox: errno \(code)"
        case .wait(let code): "cannot wait for the sandbox: errno \(code)"
        }
    }
}
