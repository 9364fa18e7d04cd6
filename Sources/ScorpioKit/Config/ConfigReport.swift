import Foundation

/// `scorpio config show`: every effective value and where it came from.
public enum ConfigReport {
    /// TOML with the source of each value as a trailing comment.
    public static func text(for loaded: LoadedConfig) -> String {
        let header = loaded.file.map { "# config file: \($0)" } ?? "# no config file: defaults, environment and flags only"
        let assignments = loaded.entries.map { "\($0.key.name) = \($0.displayValue.tomlLiteral)" }
        let width = assignments.map(\.count).max() ?? 0
        let lines = zip(assignments, loaded.entries).map { assignment, entry in
            assignment.padding(toLength: width, withPad: " ", startingAt: 0) + "  # \(entry.source)"
        }
        return ([header] + lines).joined(separator: "\n") + "\n"
    }

    public static func json(for loaded: LoadedConfig) -> String {
        let document = Document(
            file: loaded.file?.path.string,
            keys: loaded.entries.map { entry in
                Entry(key: entry.key.name, value: JSONValue(entry.displayValue), source: entry.source.kind,
                      origin: entry.source.origin, env: entry.key.environmentVariable)
            }
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(document)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private struct Document: Encodable {
        let file: String?
        let keys: [Entry]

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(file, forKey: .file)  // null, not absent, when there is no file
            try container.encode(keys, forKey: .keys)
        }

        private enum CodingKeys: String, CodingKey { case file, keys }
    }

    private struct Entry: Encodable {
        let key: String
        let value: JSONValue
        let source: ConfigSource.Kind
        let origin: String?
        let env: String
    }

    private struct JSONValue: Encodable {
        let raw: ConfigRawValue

        init(_ raw: ConfigRawValue) {
            self.raw = raw
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch raw {
            case .string(let text): try container.encode(text)
            case .integer(let number): try container.encode(number)
            case .boolean(let flag): try container.encode(flag)
            case .float(let number): try container.encode(number)
            case .unsupported(_, let literal): try container.encode(literal)
            }
        }
    }
}
