/// A value of the state file, as either reader found it.
enum StateValue: Equatable {
    case string(String)
    case integer(Int)
    case table([String: StateValue])
    /// Any other TOML type, by name (for errors).
    case other(String)
}

/// Reads the state file as Scorpio writes it (``StateFileText/text(of:)``), line by line: a
/// `[[mounts]]` table per record with `[mounts.spec]` and `[mounts.state]`, keys with basic strings and
/// decimal integers. Each record's own lines come back with it, to be written again as they are while
/// the record does not change. Anything else (another writer's TOML, a hand edit, a broken line) makes
/// it give up, and the general TOML reader reads the text; a host that remembers hundreds of finished
/// jobs reads them all at every job's start, and this is several times faster than parsing TOML.
enum StateFileScanner {
    /// The records' tables with their texts, or nil where the text is not of Scorpio's layout.
    static func records(in text: String) -> [(table: [String: StateValue], text: String)]? {
        Array(text.utf8).withUnsafeBufferPointer { records(in: $0) }
    }

    private static let header = Array("[[mounts]]".utf8), spec = Array("[mounts.spec]".utf8), state = Array("[mounts.state]".utf8)

    private static func records(in bytes: UnsafeBufferPointer<UInt8>) -> [(table: [String: StateValue], text: String)]? {
        var records: [(table: [String: StateValue], text: String)] = []
        var current: [String: StateValue]?
        var subtable: String?
        var start = 0
        var end = 0
        func finish() {
            guard let table = current else { return }
            records.append((table, String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)))
        }
        var lineStart = 0
        while lineStart < bytes.count {
            let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n"))
            let line = UnsafeBufferPointer(rebasing: bytes[lineStart..<(newline ?? bytes.count)])
            let next = newline.map { $0 + 1 } ?? bytes.count
            defer { lineStart = next }
            if line.isEmpty { continue }
            if line.elementsEqual(header) {
                finish()
                current = [:]
                subtable = nil
                start = lineStart
            } else if line.elementsEqual(spec) || line.elementsEqual(state) {
                let name = line.elementsEqual(spec) ? "spec" : "state"
                guard current != nil, current?[name] == nil else { return nil }
                current?[name] = .table([:])
                subtable = name
            } else {
                guard current != nil, let (key, value) = keyValue(line) else { return nil }
                if let subtable {
                    guard case .table(var fields)? = current?[subtable], fields[key] == nil else { return nil }
                    fields[key] = value
                    current?[subtable] = .table(fields)
                } else {
                    guard current?[key] == nil else { return nil }
                    current?[key] = value
                }
            }
            // A record's text runs to its last line, newline included: the blank line between records
            // is the document's.
            end = next
        }
        finish()
        return records
    }

    /// `key = "string"` or `key = 123`, or nil.
    private static func keyValue(_ line: UnsafeBufferPointer<UInt8>) -> (String, StateValue)? {
        var keyEnd = 0
        while keyEnd < line.count, line[keyEnd] == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(line[keyEnd]) {
            keyEnd += 1
        }
        guard keyEnd > 0, line.count > keyEnd + 3, line[keyEnd] == UInt8(ascii: " "), line[keyEnd + 1] == UInt8(ascii: "="),
            line[keyEnd + 2] == UInt8(ascii: " ")
        else { return nil }
        let key = String(decoding: UnsafeBufferPointer(rebasing: line[..<keyEnd]), as: UTF8.self)
        let literal = UnsafeBufferPointer(rebasing: line[(keyEnd + 3)...])
        if literal.first == UInt8(ascii: "\"") {
            guard let text = basicString(literal) else { return nil }
            return (key, .string(text))
        }
        guard let number = integer(literal) else { return nil }
        return (key, .integer(number))
    }

    /// A decimal integer without a sign other than `-`, leading zeros or underscores, or nil.
    private static func integer(_ literal: UnsafeBufferPointer<UInt8>) -> Int? {
        let negative = literal.first == UInt8(ascii: "-")
        let digits = literal.dropFirst(negative ? 1 : 0)
        guard !digits.isEmpty, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            digits.count == 1 || digits.first != UInt8(ascii: "0")
        else { return nil }
        return Int(String(decoding: literal, as: UTF8.self))
    }

    /// The text of a basic string that is all of `literal`, or nil. Escapes and control characters are
    /// ASCII, so the bytes between them are copied as they are (valid UTF-8, as the file's text is).
    private static func basicString(_ literal: UnsafeBufferPointer<UInt8>) -> String? {
        var text: [UInt8] = []
        text.reserveCapacity(literal.count)
        var index = 1
        while index < literal.count {
            let byte = literal[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return index == literal.count ? String(decoding: text, as: UTF8.self) : nil
            case UInt8(ascii: "\\"):
                guard index < literal.count else { return nil }
                let escaped = literal[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): text.append(escaped)
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "r"): text.append(0x0D)
                case UInt8(ascii: "b"): text.append(0x08)
                case UInt8(ascii: "f"): text.append(0x0C)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let count = escaped == UInt8(ascii: "u") ? 4 : 8
                    guard index + count <= literal.count else { return nil }
                    let hex = literal[index..<(index + count)]
                    guard hex.allSatisfy({ UnicodeScalar($0).properties.isASCIIHexDigit }),
                        let value = UInt32(String(decoding: hex, as: UTF8.self), radix: 16), let scalar = Unicode.Scalar(value)
                    else { return nil }
                    text.append(contentsOf: String(scalar).utf8)
                    index += count
                default: return nil
                }
            case _ where byte < 0x20 && byte != 0x09 || byte == 0x7F:
                return nil
            default:
                text.append(byte)
            }
        }
        return nil
    }
}
