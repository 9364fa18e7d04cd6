import Foundation

/// One child in the `data` of `GET /api/v1/tree/content-hash`.
///
/// The documented API carries `oid`, `name` and `content_type` only. Two optional fields are Scorpio's
/// extension, read when a server sends them: `size` (the blob's length in bytes) and `mode` (the git
/// file mode, as git prints it: `"100755"`, `"120000"`, … or the same value as a number).
struct MegaContentHashItem: Decodable, Sendable {
    var oid: String
    var name: String
    var contentType: String
    var size: UInt64?
    var mode: MegaGitFileMode?

    enum CodingKeys: String, CodingKey {
        case oid, name, size, mode
        case contentType = "content_type"
    }
}

/// A git tree entry's mode.
struct MegaGitFileMode: Decodable, Sendable, Equatable {
    var bits: UInt32

    init(bits: UInt32) { self.bits = bits }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let bits = UInt32(text, radix: 8) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "mode '\(text)' is not octal")
            }
            self.bits = bits
        } else {
            bits = try container.decode(UInt32.self)
        }
    }
}

/// The `data` of `GET /api/v1/latest-commit`: only the fields the source uses.
struct MegaLatestCommit: Decodable, Sendable {
    var oid: String
    /// The commit time in seconds since the epoch, when the server gives one the source can read
    /// (a number, a string of digits, or ISO 8601).
    var time: Int?

    enum CodingKeys: String, CodingKey {
        case oid
        case date
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        oid = try container.decode(String.self, forKey: .oid)
        if let seconds = try? container.decode(Int.self, forKey: .date) {
            time = seconds
        } else if let text = try? container.decode(String.self, forKey: .date) {
            time = Int(text) ?? ISO8601DateFormatter().date(from: text).map { Int($0.timeIntervalSince1970) }
        }
    }
}
