import Antares

/// A configuration value as it was written, before it is checked against its key's type.
///
/// Values from the file keep their TOML type; values from the environment and the command line
/// are always strings.
public enum ConfigRawValue: Sendable, Hashable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case float(Double)
    /// An array, table, date or time: no key accepts these, but errors still show them as written.
    case unsupported(typeName: String, literal: String)

    /// The value written as TOML, e.g. `"abc"`, `5`, `true`.
    public var tomlLiteral: String {
        switch self {
        case .string(let text): return TOMLText.basicString(text)
        case .integer(let number): return String(number)
        case .boolean(let flag): return String(flag)
        case .float(let number): return String(number)
        case .unsupported(_, let literal): return literal
        }
    }

    /// The name of the value's TOML type, for error messages.
    public var typeName: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .boolean: return "boolean"
        case .float: return "float"
        case .unsupported(let typeName, _): return typeName
        }
    }
}
