import Antares

/// `GET /mounts/{id}/diff`: what the mount's job changed, from its upper layer.
public struct MountChanges: Sendable, Equatable, Codable {
    public struct Change: Sendable, Equatable, Codable {
        public var path: String
        /// `added`, `modified`, `deleted`, `opaque_directory` or `renamed_directory`.
        public var kind: String
        /// Where a renamed directory came from.
        public var origin: String?
        /// The line `scorpio diff` prints: `A path`, `M path`, `D path`, `R path/ (…)`.
        public var line: String

        init(_ change: UpperChange) {
            path = change.path
            line = change.description
            switch change.kind {
            case .added: kind = "added"
            case .modified: kind = "modified"
            case .deleted: kind = "deleted"
            case .opaqueDirectory: kind = "opaque_directory"
            case .renamedDirectory(let from):
                kind = "renamed_directory"
                origin = from
            }
        }
    }

    public var mountID: String
    public var changes: [Change]

    enum CodingKeys: String, CodingKey { case mountID = "mount_id", changes }
}
