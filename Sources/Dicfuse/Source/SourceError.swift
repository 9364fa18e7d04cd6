/// Why a source could not answer; every case names what it was asked for.
public enum SourceError: Error, Equatable, CustomStringConvertible {
    case repositoryNotFound(String, reason: String)
    case revisionNotFound(String, repository: String)
    case pathNotFound(String, revision: String)
    case notADirectory(String)
    case objectNotFound(ObjectID, context: String)
    case corruptObject(ObjectID, reason: String)
    /// The server could not be reached or answered something unusable.
    case server(url: String, reason: String)
    case io(String, reason: String)

    public var description: String {
        switch self {
        case .repositoryNotFound(let path, let reason): "no git repository at \(path): \(reason)"
        case .revisionNotFound(let revision, let repository): "revision '\(revision)' not found in \(repository)"
        case .pathNotFound(let path, let revision): "path '\(path)' does not exist at \(revision)"
        case .notADirectory(let path): "'\(path)' is not a directory"
        case .objectNotFound(let id, let context): "object \(id.short) not found (\(context))"
        case .corruptObject(let id, let reason): "object \(id.short) is corrupt: \(reason)"
        case .server(let url, let reason): "\(url): \(reason)"
        case .io(let path, let reason): "\(path): \(reason)"
        }
    }
}
