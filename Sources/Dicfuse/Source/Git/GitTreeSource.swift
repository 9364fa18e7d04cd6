import CGit2
import Glibc
import SystemPackage

/// A tree of a local git repository at one revision, read through libgit2: no checkout, no git process.
public final class GitTreeSource: TreeSource {
    public let identity: String
    public let revision: ResolvedRevision
    public let root: SourceDirectory
    /// The repository's git directory.
    public let repositoryPath: String
    private let pool: GitRepositoryPool

    /// - Parameters:
    ///   - repository: a work tree, any directory inside one, or a bare repository.
    ///   - revision: any rev-parse expression: `HEAD`, a branch, a tag, a (short) commit id, `main~3`.
    ///   - subdirectory: a directory of the tree to serve as the root (`third-party/mega`); empty for all.
    public init(repository: String, revision: String = "HEAD", subdirectory: String = "") throws(SourceError) {
        pool = try GitRepositoryPool(path: repository)
        repositoryPath = pool.path
        let resolved = try pool.withRepository { handle throws(SourceError) in
            try Self.resolve(revision, subdirectory: subdirectory, in: handle.repository, repositoryPath: repository)
        }
        self.revision = resolved.revision
        root = SourceDirectory(path: FilePath(subdirectory), objectID: resolved.tree)
        let suffix = subdirectory.isEmpty ? "" : ":\(subdirectory)"
        identity = "git \(pool.path)@\(resolved.revision.id.hex)\(suffix)"
    }

    public func list(_ directory: SourceDirectory) throws(SourceError) -> [TreeEntry] {
        guard let id = directory.objectID, var oid = id.gitOID else { throw .notADirectory(directory.path.string) }
        return try pool.withRepository { handle throws(SourceError) in
            var tree: OpaquePointer?
            guard git_tree_lookup(&tree, handle.repository, &oid) == 0, let tree else {
                throw .objectNotFound(id, context: "tree of '\(directory.path)'")
            }
            defer { git_tree_free(tree) }
            let count = git_tree_entrycount(tree)
            var entries: [TreeEntry] = []
            entries.reserveCapacity(count)
            for index in 0..<count {
                guard let item = git_tree_entry_byindex(tree, index),
                    let name = FilePath.Component(platformString: git_tree_entry_name(item))
                else { continue }
                let itemID = git_tree_entry_id(item)!
                let kind: TreeEntryKind
                switch git_tree_entry_filemode(item) {
                case GIT_FILEMODE_TREE: kind = .directory
                case GIT_FILEMODE_COMMIT: kind = .submodule
                case GIT_FILEMODE_LINK: kind = .symlink
                case GIT_FILEMODE_BLOB_EXECUTABLE: kind = .file(executable: true)
                default: kind = .file(executable: false)
                }
                let hasContent = kind == .symlink || kind == .file(executable: true) || kind == .file(executable: false)
                let size = hasContent ? try Self.size(of: itemID, in: handle.database, path: directory.path.appending(name)) : 0
                entries.append(TreeEntry(name: name, kind: kind, objectID: ObjectID(itemID.pointee), size: size))
            }
            return entries
        }
    }

    public func location(of entry: TreeEntry, in directory: SourceDirectory) -> BlobLocation { .fetch }

    public func fetch(_ entry: TreeEntry, in directory: SourceDirectory, to destination: FileDescriptor) throws(SourceError) -> UInt64 {
        guard var oid = entry.objectID.gitOID else { throw .objectNotFound(entry.objectID, context: "not a git id") }
        return try pool.withRepository { handle throws(SourceError) in
            var blob: OpaquePointer?
            guard git_blob_lookup(&blob, handle.repository, &oid) == 0, let blob else {
                throw .objectNotFound(entry.objectID, context: "blob of '\(directory.path.appending(entry.name))'")
            }
            defer { git_blob_free(blob) }
            let size = Int(git_blob_rawsize(blob))
            let content = UnsafeRawBufferPointer(start: git_blob_rawcontent(blob), count: size)
            do {
                _ = try destination.writeAll(content)
            } catch {
                throw .io("content store", reason: "writing blob \(entry.objectID.short): \(error)")
            }
            return UInt64(size)
        }
    }

    public func verify(_ id: ObjectID, content: FileDescriptor, size: UInt64) throws(SourceError) -> Bool {
        try GitBlobHash.matches(id, content: content, size: size)
    }

    private static func size(of oid: UnsafePointer<git_oid>, in database: OpaquePointer, path: FilePath) throws(SourceError) -> UInt64 {
        var length = 0
        var type = GIT_OBJECT_ANY
        guard git_odb_read_header(&length, &type, database, oid) == 0 else {
            throw .objectNotFound(ObjectID(oid.pointee), context: "blob of '\(path)'")
        }
        return UInt64(length)
    }

    private static func resolve(
        _ revision: String, subdirectory: String, in repository: OpaquePointer, repositoryPath: String
    ) throws(SourceError) -> (revision: ResolvedRevision, tree: ObjectID) {
        var object: OpaquePointer?
        guard git_revparse_single(&object, repository, revision) == 0, let object else {
            throw .revisionNotFound(revision, repository: String(cString: git_repository_path(repository)))
        }
        defer { git_object_free(object) }
        var commitObject: OpaquePointer?
        guard git_object_peel(&commitObject, object, GIT_OBJECT_COMMIT) == 0, let commitObject else {
            throw .revisionNotFound(revision, repository: "\(repositoryPath) (it names no commit)")
        }
        defer { git_object_free(commitObject) }
        let commitID = ObjectID(git_object_id(commitObject).pointee)
        let time = Int(git_commit_time(commitObject))
        var treeID = ObjectID(git_commit_tree_id(commitObject).pointee)
        let summary = revision == commitID.hex ? commitID.short : "\(commitID.short) (\(revision))"

        let trimmed = subdirectory.split(separator: "/").joined(separator: "/")
        if !trimmed.isEmpty {
            var tree: OpaquePointer?
            guard git_commit_tree(&tree, commitObject) == 0, let tree else {
                throw .objectNotFound(treeID, context: "root tree of \(commitID.short)")
            }
            defer { git_tree_free(tree) }
            var entry: OpaquePointer?
            guard git_tree_entry_bypath(&entry, tree, trimmed) == 0, let entry else {
                throw .pathNotFound(trimmed, revision: summary)
            }
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else { throw .notADirectory(trimmed) }
            treeID = ObjectID(git_tree_entry_id(entry).pointee)
        }
        return (ResolvedRevision(id: commitID, time: time, summary: summary), treeID)
    }
}
