import Glibc

/// A job's name: safe as one path component, at most 128 bytes, no control characters.
public struct JobID: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    public init?(rawValue: String) {
        guard Self.problem(with: rawValue) == nil else { return nil }
        self.rawValue = rawValue
    }

    /// Validates `text`, naming what is wrong with it.
    public static func validated(_ text: String) throws(ManagerError) -> JobID {
        if let problem = problem(with: text) { throw .invalidJobID(text, reason: problem) }
        return JobID(rawValue: text)!
    }

    /// A new id: `prefix-` then the time in milliseconds and a random suffix, in hex, so ids sort by
    /// creation time and never collide in practice (`run-0193c5f2a1b27e4c`).
    public static func generate(prefix: String = "job") -> JobID {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let milliseconds = UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec / 1_000_000)
        let time = String(milliseconds, radix: 16)
        let random = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return JobID(rawValue: "\(prefix)-\(String(repeating: "0", count: max(0, 11 - time.count)))\(time)\(String(repeating: "0", count: 4 - random.count))\(random)")!
    }

    public var description: String { rawValue }
    public static func < (lhs: JobID, rhs: JobID) -> Bool { lhs.rawValue < rhs.rawValue }

    private static func problem(with text: String) -> String? {
        // Nearly every ID is printable ASCII: checked by byte, the rest by the Unicode rules below.
        if !text.isEmpty, text.utf8.count <= 128, text.utf8.first != UInt8(ascii: "."),
            text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") })
        {
            return nil
        }
        if text.isEmpty { return "it is empty" }
        if text.utf8.count > 128 { return "it is longer than 128 bytes" }
        if text == "." || text == ".." || text.hasPrefix(".") { return "it starts with a dot" }
        if text.contains("/") { return "it contains '/'" }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { return "it contains control characters" }
        if text.contains(where: \.isWhitespace) { return "it contains white space" }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = JobID(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid job id \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
