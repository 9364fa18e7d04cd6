import Foundation
import SystemPackage

/// Why a written value does not fit its key, phrased as what was expected ("expected a positive integer").
public struct ConfigValueRejection: Error, Sendable, Equatable {
    public let expectation: String

    public init(_ expectation: String) {
        self.expectation = expectation
    }
}

/// Turns written configuration values into one Swift type and back.
///
/// `decode` accepts the TOML type that fits and, because upstream files quote everything and the
/// environment is all strings, the same value spelled as a string. `encode` gives the canonical form
/// that `config init` writes and `config show` prints; decoding it yields the same value.
public struct ConfigValueCodec<Value: Sendable & Equatable>: Sendable {
    /// What the key holds, as the docs and templates describe it: "path", "seconds", "size".
    public let typeName: String
    let decode: @Sendable (ConfigRawValue) throws(ConfigValueRejection) -> Value
    let encode: @Sendable (Value) -> ConfigRawValue
}

extension ConfigValueCodec where Value == String {
    /// Any string, the empty one included.
    public static var text: Self {
        Self(typeName: "string", decode: { raw throws(ConfigValueRejection) in
            try raw.stringValue(orExpected: "expected a string")
        }, encode: { .string($0) })
    }

    public static var nonEmptyText: Self {
        Self(typeName: "string", decode: { raw throws(ConfigValueRejection) in
            let text = try raw.stringValue(orExpected: "expected a non-empty string")
            guard !text.isEmpty else { throw ConfigValueRejection("expected a non-empty string") }
            return text
        }, encode: { .string($0) })
    }

    /// A ref name pattern in which `{cl}` stands for the change list number.
    public static var clRefPattern: Self {
        let expectation = "expected a ref pattern containing {cl}, such as refs/cl/{cl}"
        return Self(typeName: "ref pattern", decode: { raw throws(ConfigValueRejection) in
            let text = try raw.stringValue(orExpected: expectation)
            guard text.contains("{cl}") else { throw ConfigValueRejection(expectation) }
            return text
        }, encode: { .string($0) })
    }
}

extension ConfigValueCodec where Value == FilePath {
    public static var path: Self {
        Self(typeName: "path", decode: { raw throws(ConfigValueRejection) in
            try FilePath(validating: raw)
        }, encode: { .string($0.string) })
    }
}

extension ConfigValueCodec where Value == FilePath? {
    /// A path, or the empty string for "not set".
    public static var optionalPath: Self {
        Self(typeName: "path or empty", decode: { raw throws(ConfigValueRejection) in
            if case .string("") = raw { return nil }
            return try FilePath(validating: raw)
        }, encode: { .string($0?.string ?? "") })
    }
}

extension ConfigValueCodec where Value == URL {
    public static var httpURL: Self {
        Self(typeName: "URL", decode: { raw throws(ConfigValueRejection) in
            try URL(validatingHTTP: raw)
        }, encode: { .string($0.absoluteString) })
    }
}

extension ConfigValueCodec where Value == URL? {
    /// An http(s) URL, or the empty string for "none".
    public static var optionalHTTPURL: Self {
        Self(typeName: "URL or empty", decode: { raw throws(ConfigValueRejection) in
            if case .string("") = raw { return nil }
            return try URL(validatingHTTP: raw)
        }, encode: { .string($0?.absoluteString ?? "") })
    }
}

extension ConfigValueCodec where Value == Bool {
    public static var boolean: Self {
        Self(typeName: "boolean", decode: { raw throws(ConfigValueRejection) in
            switch raw {
            case .boolean(let flag): return flag
            case .string(let text) where text.lowercased() == "true": return true
            case .string(let text) where text.lowercased() == "false": return false
            default: throw ConfigValueRejection("expected true or false")
            }
        }, encode: { .boolean($0) })
    }
}

extension ConfigValueCodec where Value == Int {
    public static var positiveInteger: Self {
        integer(atLeast: 1, expectation: "expected a positive integer", typeName: "integer ≥ 1")
    }

    public static var nonNegativeInteger: Self {
        integer(atLeast: 0, expectation: "expected a non-negative integer", typeName: "integer ≥ 0")
    }

    static func integer(atLeast minimum: Int, expectation: String, typeName: String) -> Self {
        Self(typeName: typeName, decode: { raw throws(ConfigValueRejection) in
            guard let number = raw.integerValue, number >= minimum else { throw ConfigValueRejection(expectation) }
            return number
        }, encode: { .integer($0) })
    }
}

extension ConfigValueCodec where Value == Duration {
    /// Whole seconds, zero allowed (a TTL of 0 turns a cache off).
    public static var seconds: Self {
        wholeSeconds(atLeast: 0, expectation: "expected a non-negative integer", typeName: "seconds")
    }

    /// Whole seconds, at least one (a timeout of 0 would fail every request).
    public static var positiveSeconds: Self {
        wholeSeconds(atLeast: 1, expectation: "expected a positive integer", typeName: "seconds ≥ 1")
    }

    static func wholeSeconds(atLeast minimum: Int, expectation: String, typeName: String) -> Self {
        Self(typeName: typeName, decode: { raw throws(ConfigValueRejection) in
            guard let seconds = raw.integerValue, seconds >= minimum else { throw ConfigValueRejection(expectation) }
            return .seconds(seconds)
        }, encode: { .integer(Int($0.components.seconds)) })
    }
}

extension ConfigValueCodec where Value == ByteCount {
    /// A positive size: an integer number of bytes or a string such as "512M" or "10G".
    public static var byteCount: Self {
        let expectation = "expected a positive size in bytes, such as 1048576, \"512M\" or \"10G\""
        return Self(typeName: "size", decode: { raw throws(ConfigValueRejection) in
            let size: ByteCount? = switch raw {
            case .integer(let bytes): ByteCount(bytes: bytes)
            case .string(let text): ByteCount(parsing: text)
            default: nil
            }
            guard let size, size.bytes > 0 else { throw ConfigValueRejection(expectation) }
            return size
        }, encode: { size in
            size.description.last?.isLetter == true ? .string(size.description) : .integer(size.bytes)
        })
    }
}

extension ConfigValueCodec where Value == BindAddress {
    public static var bindAddress: Self {
        let expectation = "expected host:port (such as 127.0.0.1:2726 or [::1]:2726) or unix:/path/to/socket"
        return Self(typeName: "address", decode: { raw throws(ConfigValueRejection) in
            let text = try raw.stringValue(orExpected: expectation)
            guard let address = BindAddress(parsing: text) else { throw ConfigValueRejection(expectation) }
            return address
        }, encode: { .string($0.description) })
    }
}

extension ConfigValueCodec where Value: ConfigChoice {
    /// One of the choice's words, case-insensitive.
    public static var choice: Self {
        let words = Value.allCases.map(\.rawValue)
        let expectation = "expected one of " + words.joined(separator: ", ")
        return Self(typeName: words.joined(separator: "|"), decode: { raw throws(ConfigValueRejection) in
            let word = try raw.stringValue(orExpected: expectation).lowercased()
            guard let value = Value(rawValue: word) ?? Value.aliases[word] else { throw ConfigValueRejection(expectation) }
            return value
        }, encode: { .string($0.rawValue) })
    }
}

extension ConfigRawValue {
    func stringValue(orExpected expectation: String) throws(ConfigValueRejection) -> String {
        guard case .string(let text) = self else { throw ConfigValueRejection(expectation) }
        return text
    }

    /// An integer written as a TOML integer or as a string of decimal digits ("3", as upstream writes them).
    var integerValue: Int? {
        switch self {
        case .integer(let number): return number
        case .string(let text):
            let trimmed = text.trimmingSpaces
            guard !trimmed.isEmpty, trimmed.allSatisfy(\.isASCIIDigit) else { return nil }
            return Int(trimmed)
        default: return nil
        }
    }
}

extension FilePath {
    init(validating raw: ConfigRawValue) throws(ConfigValueRejection) {
        let expectation = "expected a non-empty path"
        let text = try raw.stringValue(orExpected: expectation)
        guard !text.isEmpty, !text.contains("\0") else { throw ConfigValueRejection(expectation) }
        self.init(text)
    }
}

extension URL {
    init(validatingHTTP raw: ConfigRawValue) throws(ConfigValueRejection) {
        let expectation = "expected an http or https URL, such as http://localhost:8000"
        let text = try raw.stringValue(orExpected: expectation)
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else { throw ConfigValueRejection(expectation) }
        self = url
    }
}
