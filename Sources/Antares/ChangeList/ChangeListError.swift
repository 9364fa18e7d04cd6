import SystemPackage

/// Why a change-list layer could not be resolved, computed or written; each case names what it was about.
public enum ChangeListError: Error, Equatable, CustomStringConvertible {
    case repositoryNotFound(String, reason: String)
    /// Neither the CL's ref nor a rev-parse of its name found a commit.
    case changeListNotFound(String, triedReference: String, repository: String)
    case revisionNotFound(String, repository: String)
    case noMergeBase(changeList: String, base: String, repository: String)
    case git(String, reason: String)
    case layer(FilePath, reason: String)
    /// mknod of a character device 0/0 was refused.
    case whiteoutNotPermitted(FilePath, Errno)

    public var description: String {
        switch self {
        case .repositoryNotFound(let path, let reason):
            "no git repository at \(path): \(reason)"
        case .changeListNotFound(let name, let reference, let repository):
            "cl \(name) not found in \(repository): no ref \(reference), and '\(name)' names no commit"
        case .revisionNotFound(let revision, let repository):
            "revision '\(revision)' names no commit in \(repository)"
        case .noMergeBase(let name, let base, let repository):
            "cl \(name) shares no history with \(base) in \(repository)"
        case .git(let operation, let reason):
            "\(operation): \(reason)"
        case .layer(let path, let reason):
            "change-list layer \(path): \(reason)"
        case .whiteoutNotPermitted(let path, let errno):
            "cannot create the whiteout \(path) (a character device 0/0): \(errno); needs root or CAP_MKNOD"
        }
    }
}
