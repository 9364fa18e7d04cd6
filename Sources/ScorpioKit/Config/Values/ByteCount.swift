/// A size in bytes, written in configuration as an integer or with a binary suffix: `512M`, `10G`, `64MiB`.
public struct ByteCount: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bytes: Int

    public init(bytes: Int) {
        self.bytes = bytes
    }

    public static func kibibytes(_ count: Int) -> ByteCount { ByteCount(bytes: count << 10) }
    public static func mebibytes(_ count: Int) -> ByteCount { ByteCount(bytes: count << 20) }
    public static func gibibytes(_ count: Int) -> ByteCount { ByteCount(bytes: count << 30) }

    public static func < (lhs: ByteCount, rhs: ByteCount) -> Bool { lhs.bytes < rhs.bytes }

    private static let units: [(suffix: Character, shift: Int)] = [("K", 10), ("M", 20), ("G", 30), ("T", 40), ("P", 50)]

    /// Parses `1048576`, `512K`, `512M`, `10G`, `10GiB`, `10GB`, `1T` (suffixes are powers of 1024,
    /// case-insensitive). Returns nil for anything else, including negative numbers and overflow.
    public init?(parsing text: String) {
        var digits = Substring(text.trimmingSpaces.uppercased())
        if digits.hasSuffix("B") { digits = digits.dropLast() }
        if digits.hasSuffix("I") { digits = digits.dropLast() }
        var shift = 0
        if let last = digits.last, let unit = Self.units.first(where: { $0.suffix == last }) {
            shift = unit.shift
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let count = Int(digits) else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: 1 << shift)
        guard !overflow else { return nil }
        self.bytes = bytes
    }

    /// The shortest exact spelling: `10G`, `256M`, `1536K`, or plain bytes.
    public var description: String {
        for unit in Self.units.reversed() where bytes != 0 && bytes % (1 << unit.shift) == 0 {
            return "\(bytes >> unit.shift)\(unit.suffix)"
        }
        return String(bytes)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
