import CGit2
import Synchronization

/// Open handles of one repository, each used by one thread at a time (libgit2 objects are not safe to
/// share between threads); handles are opened on demand and reused.
final class GitRepositoryPool: Sendable {
    /// A repository handle and its object database.
    struct Handle: @unchecked Sendable {
        let repository: OpaquePointer
        let database: OpaquePointer
    }

    let path: String
    private let idle = Mutex<[Handle]>([])

    /// Opens the repository at `path` (a work tree, any directory inside one, or a bare repository).
    init(path: String) throws(SourceError) {
        LibGit2.ensureInitialized()
        let first = try Self.open(path)
        self.path = String(cString: git_repository_path(first.repository))
        idle.withLock { $0.append(first) }
    }

    deinit {
        for handle in idle.withLock({ $0 }) {
            git_odb_free(handle.database)
            git_repository_free(handle.repository)
        }
    }

    func withRepository<T>(_ body: (Handle) throws(SourceError) -> T) throws(SourceError) -> T {
        let handle: Handle
        if let reused = idle.withLock({ $0.popLast() }) {
            handle = reused
        } else {
            handle = try Self.open(path)
        }
        defer { idle.withLock { $0.append(handle) } }
        return try body(handle)
    }

    private static func open(_ path: String) throws(SourceError) -> Handle {
        var repository: OpaquePointer?
        guard git_repository_open_ext(&repository, path, 0, nil) == 0, let repository else {
            throw .repositoryNotFound(path, reason: LibGit2.lastErrorMessage)
        }
        var database: OpaquePointer?
        guard git_repository_odb(&database, repository) == 0, let database else {
            git_repository_free(repository)
            throw .repositoryNotFound(path, reason: LibGit2.lastErrorMessage)
        }
        return Handle(repository: repository, database: database)
    }
}
