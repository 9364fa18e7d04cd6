import Glibc

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
        // The record's subtables, kept apart while they fill (a value inside the record's table would be
        // copied at every key).
        var subtables: [String: [String: StateValue]] = [:]
        var subtable: String?
        var start = 0
        var end = 0
        func finish() {
            guard var table = current else { return }
            for (name, fields) in subtables { table[name] = .table(fields) }
            records.append((table, String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)))
        }
        var lineStart = 0
        while lineStart < bytes.count {
            let newline = memchr(bytes.baseAddress! + lineStart, 0x0A, bytes.count - lineStart)
                .map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - bytes.baseAddress! }
            let line = UnsafeBufferPointer(rebasing: bytes[lineStart..<(newline ?? bytes.count)])
            let next = newline.map { $0 + 1 } ?? bytes.count
            defer { lineStart = next }
            if line.isEmpty { continue }
            if line.elementsEqual(header) {
                finish()
                current = Dictionary(minimumCapacity: 12)
                subtables = [:]
                subtable = nil
                start = lineStart
            } else if line.elementsEqual(spec) || line.elementsEqual(state) {
                let name = line.elementsEqual(spec) ? "spec" : "state"
                guard current != nil, current?[name] == nil, subtables[name] == nil else { return nil }
                subtables[name] = Dictionary(minimumCapacity: 5)
                subtable = name
            } else {
                guard current != nil, let (key, value) = keyValue(line) else { return nil }
                if let subtable {
                    guard subtables[subtable]?.updateValue(value, forKey: key) == nil else { return nil }
                } else {
                    guard current?.updateValue(value, forKey: key) == nil else { return nil }
                }
            }
            // A record's text runs to its last line, newline included: the blank line between records
            // is the document's.
            end = next
        }
        finish()
        return records
    }

    /// The keys Scorpio writes, made once rather than at every line.
    private static let knownKeys: [(bytes: [UInt8], key: String)] = [
        "mount_id", "job_id", "mountpoint", "upper", "cl_dir", "driver", "base", "pid", "pid_start", "server", "created_at_epoch_ms", "last_seen_epoch_ms",
        "path", "cl", "repository", "revision", "owner", "state", "reason",
    ].map { (Array($0.utf8), $0) }

    private static func key(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        knownKeys.first { $0.bytes.elementsEqual(bytes) }?.key ?? String(decoding: bytes, as: UTF8.self)
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
        let key = key(UnsafeBufferPointer(rebasing: line[..<keyEnd]))
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
        let inner = literal.dropFirst().dropLast()
        if literal.count >= 2, literal.last == UInt8(ascii: "\""),
            !inner.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 && $0 != 0x09 || $0 == 0x7F })
        {
            return String(decoding: UnsafeBufferPointer(rebasing: inner), as: UTF8.self)
        }
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
