import SystemPackage

/// Why the configuration could not be loaded. Every case names what to look at: the key, the value,
/// and the file, environment variable or flag it came from.
public enum ConfigError: ScorpioFailure, Equatable, Sendable {
    /// A value does not fit its key, e.g. `dicfuse_reply_ttl_secs = "abc"`.
    case invalidValue(key: String, value: ConfigRawValue, source: ConfigSource, expectation: String)
    /// The file sets a key that does not exist.
    case unknownKey(key: String, file: FilePath, suggestion: String?)
    /// The file sets one key twice, flat and sectioned.
    case duplicateKey(spellings: [String], file: FilePath)
    /// A config file named explicitly (flag or environment) does not exist.
    case fileNotFound(FilePath, source: ConfigSource)
    case unreadableFile(FilePath, reason: String)
    case syntaxError(file: FilePath, line: Int, column: Int, message: String)

    public var exitStatus: ScorpioExitStatus { .configError }

    public var description: String { "config error: " + message }

    /// The problem without the `config error:` prefix.
    public var message: String {
        switch self {
        case .invalidValue(let key, let value, let source, let expectation):
            return "\(key) = \(value.tomlLiteral) (from \(source)): \(expectation)"
        case .unknownKey(let key, let file, let suggestion):
            let hint = suggestion.map { "; did you mean \($0)?" } ?? ""
            return "unknown key \(key) in \(file.string)\(hint)"
        case .duplicateKey(let spellings, let file):
            return "\(spellings.joined(separator: " and ")) in \(file.string) set the same key; keep one"
        case .fileNotFound(let path, let source):
            return "config file \(path.string) does not exist (from \(source))"
        case .unreadableFile(let path, let reason):
            return "cannot read \(path.string): \(reason)"
        case .syntaxError(let file, let line, let column, let message):
            return "\(file.string):\(line):\(column): \(message)"
        }
    }
}
