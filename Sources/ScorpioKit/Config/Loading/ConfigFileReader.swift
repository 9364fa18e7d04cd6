import SystemPackage
import TOMLKit

/// Reads `scorpio.toml` into settings; flat and sectioned keys alike. The file is only ever read.
enum ConfigFileReader {
    static func read(_ path: FilePath) throws(ConfigError) -> [ConfigSetting] {
        let bytes: [UInt8]
        do {
            bytes = try path.readContents()
        } catch {
            throw .unreadableFile(path, reason: error.description)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .unreadableFile(path, reason: "not valid UTF-8")
        }
        return try parse(text, file: path)
    }

    static func parse(_ text: String, file: FilePath) throws(ConfigError) -> [ConfigSetting] {
        let document: TOMLTable
        do {
            document = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .syntaxError(file: file, line: error.source.begin.line, column: error.source.begin.column,
                               message: error.description)
        } catch {
            throw .syntaxError(file: file, line: 0, column: 0, message: "\(error)")
        }
        let settings = try settings(in: document, file: file)
        try rejectDuplicates(settings, file: file)
        return settings
    }

    private static func settings(in document: TOMLTable, file: FilePath) throws(ConfigError) -> [ConfigSetting] {
        let source = ConfigSource.file(file)
        var settings: [ConfigSetting] = []
        for (name, value) in document {
            if let section = ConfigSection(rawValue: name) {
                guard let table = value.table else {
                    throw .invalidValue(key: name, value: rawValue(of: value), source: source,
                                        expectation: "expected a table: write [\(name)] and its keys below it")
                }
                for (innerName, innerValue) in table {
                    let spelling = "\(name).\(innerName)"
                    guard let key = ConfigKey.named(innerName, in: section) else {
                        throw .unknownKey(key: spelling, file: file, suggestion: suggestion(for: spelling))
                    }
                    settings.append(ConfigSetting(key: key, spelling: spelling, value: rawValue(of: innerValue), source: source))
                }
            } else if let key = ConfigKey.named(name) {
                settings.append(ConfigSetting(key: key, value: rawValue(of: value), source: source))
            } else {
                throw .unknownKey(key: name, file: file, suggestion: suggestion(for: name))
            }
        }
        return settings
    }

    private static func rejectDuplicates(_ settings: [ConfigSetting], file: FilePath) throws(ConfigError) {
        let byKey = Dictionary(grouping: settings, by: \.key.name)
        for key in ConfigKey.all {
            if let both = byKey[key.name], both.count > 1 {
                throw .duplicateKey(spellings: both.map(\.spelling), file: file)
            }
        }
    }

    /// A known spelling the user probably meant: the same name in its right place, else the nearest by edit distance.
    static func suggestion(for spelling: String) -> String? {
        let bareName = String(spelling.split(separator: ".").last ?? "")
        if bareName != spelling, let flat = ConfigKey.named(bareName) {
            return flat.name
        }
        if let sectioned = ConfigKey.all.compactMap(\.sectionedName).first(where: { $0.key == bareName }) {
            return sectioned.description
        }
        let candidates = ConfigKey.allSpellings + ConfigSection.allCases.map(\.rawValue)
        return KeySuggestion.closest(to: spelling, among: candidates)
    }

    private static func rawValue(of value: TOMLValueConvertible) -> ConfigRawValue {
        switch value.type {
        case .string: return value.string.map(ConfigRawValue.string) ?? .unsupported(typeName: "string", literal: value.debugDescription)
        case .int: return value.int.map(ConfigRawValue.integer) ?? .unsupported(typeName: "integer", literal: value.debugDescription)
        case .bool: return value.bool.map(ConfigRawValue.boolean) ?? .unsupported(typeName: "boolean", literal: value.debugDescription)
        case .double: return value.double.map(ConfigRawValue.float) ?? .unsupported(typeName: "float", literal: value.debugDescription)
        default: return .unsupported(typeName: value.type.description, literal: value.debugDescription)
        }
    }
}
