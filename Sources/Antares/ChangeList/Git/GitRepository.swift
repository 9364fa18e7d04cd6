import CGit2
import Dicfuse

/// One open libgit2 repository, used by one thread for one operation, then freed.
final class GitRepository {
    let handle: OpaquePointer
    /// The repository's git directory, for messages.
    let path: String

    /// Opens the repository at `path` (a work tree, any directory inside one, or a bare repository).
    init(at path: String) throws(ChangeListError) {
        LibGit2.ensureInitialized()
        var repository: OpaquePointer?
        guard git_repository_open_ext(&repository, path, 0, nil) == 0, let repository else {
            throw .repositoryNotFound(path, reason: Self.lastErrorMessage)
        }
        handle = repository
        self.path = String(cString: git_repository_path(repository))
    }

    deinit { git_repository_free(handle) }

    /// The work tree's root (with a trailing slash), or nil for a bare repository.
    var workTree: String? { git_repository_workdir(handle).map { String(cString: $0) } }

    /// The commit `revision` (any rev-parse expression) names, after peeling tags; nil when it names none.
    func commit(revparse revision: String) -> git_oid? {
        var object: OpaquePointer?
        guard git_revparse_single(&object, handle, revision) == 0, let object else { return nil }
        defer { git_object_free(object) }
        return peeledCommit(of: object)
    }

    /// The commit the reference `name` points at, after peeling tags; nil when there is no such reference.
    func commit(reference name: String) -> git_oid? {
        var valid: Int32 = 0
        guard git_reference_name_is_valid(&valid, name) == 0, valid != 0 else { return nil }
        var reference: OpaquePointer?
        guard git_reference_lookup(&reference, handle, name) == 0, let reference else { return nil }
        defer { git_reference_free(reference) }
        var object: OpaquePointer?
        guard git_reference_peel(&object, reference, GIT_OBJECT_COMMIT) == 0, let object else { return nil }
        defer { git_object_free(object) }
        return git_object_id(object).pointee
    }

    func mergeBase(_ one: git_oid, _ two: git_oid) -> git_oid? {
        var base = git_oid()
        var one = one
        var two = two
        return git_merge_base(&base, handle, &one, &two) == 0 ? base : nil
    }

    /// The root tree of `commit`.
    func tree(ofCommit commit: git_oid) throws(ChangeListError) -> GitTree {
        var id = commit
        var object: OpaquePointer?
        guard git_commit_lookup(&object, handle, &id) == 0, let object else {
            throw .git("reading commit \(commit.objectID.short) in \(path)", reason: Self.lastErrorMessage)
        }
        defer { git_commit_free(object) }
        var tree: OpaquePointer?
        guard git_commit_tree(&tree, object) == 0, let tree else {
            throw .git("reading the tree of commit \(commit.objectID.short) in \(path)", reason: Self.lastErrorMessage)
        }
        return GitTree(tree)
    }

    func tree(_ id: git_oid) throws(ChangeListError) -> GitTree {
        var id = id
        var tree: OpaquePointer?
        guard git_tree_lookup(&tree, handle, &id) == 0, let tree else {
            throw .git("reading tree \(id.objectID.short) in \(path)", reason: Self.lastErrorMessage)
        }
        return GitTree(tree)
    }

    func blob(_ id: git_oid) throws(ChangeListError) -> [UInt8] {
        var id = id
        var blob: OpaquePointer?
        guard git_blob_lookup(&blob, handle, &id) == 0, let blob else {
            throw .git("reading blob \(id.objectID.short) in \(path)", reason: Self.lastErrorMessage)
        }
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: git_blob_rawcontent(blob), count: size))
    }

    private func peeledCommit(of object: OpaquePointer) -> git_oid? {
        var commit: OpaquePointer?
        guard git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0, let commit else { return nil }
        defer { git_object_free(commit) }
        return git_object_id(commit).pointee
    }

    // MARK: - The library

    static var lastErrorMessage: String { LibGit2.lastErrorMessage }
}

extension git_oid {
    func isSame(as other: git_oid) -> Bool {
        var one = self
        var two = other
        return git_oid_equal(&one, &two) != 0
    }

    var objectID: ObjectID { ObjectID(bytes: withUnsafeBytes(of: id) { Array($0) }) }
}
