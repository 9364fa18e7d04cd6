import Glibc

/// A user and group that own files: the build user a job's tree is served to (`--user UID:GID`).
public struct FileOwner: Sendable, Hashable, Codable, CustomStringConvertible {
    public var uid: uid_t
    public var gid: gid_t

    public init(uid: uid_t, gid: gid_t) {
        self.uid = uid
        self.gid = gid
    }

    /// `UID:GID`, both numbers.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let uid = uid_t(parts[0]), let gid = gid_t(parts[1]) else { return nil }
        self.init(uid: uid, gid: gid)
    }

    public var description: String { "\(uid):\(gid)" }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let owner = FileOwner(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected UID:GID, got \(text)"))
        }
        self = owner
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
