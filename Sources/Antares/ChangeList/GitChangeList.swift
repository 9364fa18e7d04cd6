import CGit2
import Dicfuse

/// Change lists kept as commits of a local git repository, read through libgit2.
///
/// A CL name resolves through ``referencePattern`` (`refs/cl/456`) or, failing that, as any rev-parse
/// expression (a branch, a tag, a commit id). Its changes are those between the merge base of the base
/// revision and the CL commit, and the CL commit: laid over the base, they show the CL's own changes and
/// the base everywhere else.
public struct GitChangeList: Sendable {
    public static let defaultReferencePattern = "refs/cl/{cl}"

    /// A work tree, any directory inside one, or a bare repository.
    public let repository: String
    /// A reference name in which `{cl}` stands for the CL's name.
    public let referencePattern: String

    public init(repository: String, referencePattern: String = GitChangeList.defaultReferencePattern) {
        self.repository = repository
        self.referencePattern = referencePattern
    }

    /// The reference the CL `name` is looked up under first.
    public func reference(of name: String) -> String {
        referencePattern.split(separator: "{cl}", omittingEmptySubsequences: false).joined(separator: name)
    }

    /// The commit the CL `name` is.
    public func commit(of name: String) throws(ChangeListError) -> ObjectID {
        let repository = try GitRepository(at: repository)
        return try commit(of: name, in: repository).objectID
    }

    /// The CL `name`'s changes relative to `base` (any rev-parse expression: the base the union serves).
    public func changes(of name: String, over base: String = "HEAD") throws(ChangeListError) -> ResolvedChangeList {
        let repository = try GitRepository(at: repository)
        let clCommit = try commit(of: name, in: repository)
        guard let baseCommit = repository.commit(revparse: base) else {
            throw .revisionNotFound(base, repository: repository.path)
        }
        guard let mergeBase = repository.mergeBase(baseCommit, clCommit) else {
            throw .noMergeBase(changeList: name, base: base, repository: repository.path)
        }
        let changes = try GitTreeDiff.changes(
            from: repository.tree(ofCommit: mergeBase), to: repository.tree(ofCommit: clCommit), in: repository)
        return ResolvedChangeList(name: name, commit: clCommit.objectID, mergeBase: mergeBase.objectID, changes: changes)
    }

    private func commit(of name: String, in repository: GitRepository) throws(ChangeListError) -> git_oid {
        let reference = reference(of: name)
        if let commit = repository.commit(reference: reference) ?? repository.commit(revparse: name) {
            return commit
        }
        throw .changeListNotFound(name, triedReference: reference, repository: repository.path)
    }
}

/// A CL resolved to its commit, with the layer entries that show it over its base.
public struct ResolvedChangeList: Sendable, Equatable {
    public let name: String
    public let commit: ObjectID
    /// Where the CL branched from the base: what its changes are relative to.
    public let mergeBase: ObjectID
    public let changes: LayerChanges
}
