/// The name of a tree or blob in its source: a git object id (SHA-1 or SHA-256), or any other stable
/// digest a source uses. Equal ids mean equal content, so the content store is keyed by it.
public struct ObjectID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The raw digest bytes.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Parses a hexadecimal id (as git and the Mega API print them); a `sha1:` prefix is allowed.
    public init?(hex text: some StringProtocol) {
        var digits = Substring(text)
        if let colon = digits.firstIndex(of: ":") { digits = digits[digits.index(after: colon)...] }
        guard !digits.isEmpty, digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.bytes = bytes
    }

    public var hex: String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { text in
            for (index, byte) in bytes.enumerated() {
                text[2 * index] = Self.hexDigit(byte >> 4)
                text[2 * index + 1] = Self.hexDigit(byte & 0xF)
            }
            return bytes.count * 2
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10 }

    /// The first 12 hex digits, for messages.
    public var short: String { String(hex.prefix(12)) }
    public var description: String { hex }

    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}
