import CGit2
import Dicfuse
import SystemPackage

/// A work tree's uncommitted changes as a layer over its HEAD: modified, added (staged or not), deleted
/// and untracked files that git does not ignore, read with libgit2's status. Submodules are left out.
public struct WorkingTreeChanges: Sendable {
    /// The work tree, or any directory inside it.
    public let repository: String

    public init(repository: String) {
        self.repository = repository
    }

    /// The root of the work tree containing `repository` (nil for a bare repository).
    public func workTreeRoot() throws(ChangeListError) -> FilePath? {
        try GitRepository(at: repository).workTree.map { FilePath($0) }
    }

    /// Whether `git status` (untracked files included, ignored ones not) has nothing to say.
    public func isClean() throws(ChangeListError) -> Bool {
        let repository = try GitRepository(at: repository)
        return try GitStatus(of: repository).paths.isEmpty
    }

    /// HEAD's commit (nil before the first commit) and the layer that shows the work tree over it.
    public func changes() throws(ChangeListError) -> WorkingTreeLayer {
        let repository = try GitRepository(at: repository)
        guard let workTreePath = repository.workTree else {
            throw .repositoryNotFound(self.repository, reason: "it is a bare repository: no work tree")
        }
        let workTree = FilePath(workTreePath)
        let head = repository.commit(revparse: "HEAD")
        let headTree = try head.map { commit throws(ChangeListError) in try repository.tree(ofCommit: commit) }
        var builder = WorkingTreeLayerBuilder(workTree: workTree, headTree: headTree)
        for path in try GitStatus(of: repository).paths.sorted() {
            try builder.add(path)
        }
        return WorkingTreeLayer(head: head?.objectID, changes: builder.changes)
    }
}

/// A work tree's HEAD and the layer that shows the work tree over it.
public struct WorkingTreeLayer: Sendable, Equatable {
    /// Nil before the first commit.
    public let head: ObjectID?
    public let changes: LayerChanges
}
