import CGit2
import Dicfuse
import SystemPackage

/// A work tree's uncommitted changes as a layer over its HEAD: modified, added (staged or not), deleted
/// and untracked files that git does not ignore. Submodules are left out.
///
/// Found as `git status` finds them, in one pass: the index is read from its file, every directory it
/// knows is listed once and every tracked file `lstat`ed (on several threads) and judged by the
/// index's stat data; HEAD's trees are read only where the index's cache tree says something is staged,
/// ignore rules only for names the index does not know, and only the files in doubt are hashed. An
/// index this cannot read (split or sparse) is left to libgit2's status.
public struct WorkingTreeChanges: Sendable {
    /// The work tree, or any directory inside it.
    public let repository: String
    /// Absolute paths never taken into the layer, nor anything below them (the artifacts directory).
    public let excluded: [FilePath]

    public init(repository: String, excluding excluded: [FilePath] = []) {
        self.repository = repository
        self.excluded = excluded
    }

    /// The root of the work tree containing `repository` (nil for a bare repository).
    public func workTreeRoot() throws(ChangeListError) -> FilePath? {
        try GitRepository(at: repository).workTree.map { FilePath($0) }
    }

    /// Whether the work tree shows HEAD as it is (untracked files count, ignored and excluded ones not).
    public func isClean() throws(ChangeListError) -> Bool {
        try changes().changes.isEmpty
    }

    /// HEAD's commit (nil before the first commit) and the layer that shows the work tree over it.
    public func changes() throws(ChangeListError) -> WorkingTreeLayer {
        let repository = try GitRepository(at: repository)
        guard let workTree = repository.workTree.map({ FilePath($0) }) else {
            throw .repositoryNotFound(self.repository, reason: "it is a bare repository: no work tree")
        }
        let head = repository.commit(revparse: "HEAD")
        let headTree = try head.map { commit throws(ChangeListError) in try repository.tree(ofCommit: commit) }
        var builder = WorkingTreeLayerBuilder(workTree: workTree, headTree: headTree)
        for path in try changedPaths(in: repository, workTree: workTree, head: headTree).sorted() {
            try builder.add(path)
        }
        return WorkingTreeLayer(head: head?.objectID, changes: builder.changes)
    }

    /// The paths that may differ between HEAD and the work tree (a superset: the layer builder compares
    /// each one's content with HEAD).
    private func changedPaths(in repository: GitRepository, workTree: FilePath, head: GitTree?) throws(ChangeListError) -> Set<String> {
        let excluded = self.excluded.compactMap { path -> String? in
            var relative = path.lexicallyNormalized()
            return relative.removePrefix(workTree) ? relative.string : nil
        }
        let isExcluded = { (path: String) in
            excluded.contains { path == $0 || path.hasPrefix($0 + "/") }
        }
        let index: GitIndexFile
        do { index = try GitIndexFile(path: FilePath(repository.path).appending("index")) } catch let unreadable {
            // No index yet (nothing added), or one only libgit2 may read.
            do { return try GitStatus(of: repository).paths.filter { !isExcluded($0) } } catch {
                throw .git("reading the index of \(repository.path)", reason: "\(unreadable) (libgit2: \(error))")
            }
        }
        let directories = IndexDirectories(index)
        let scan = try WorkTreeScan(
            workTree: workTree, index: index, directories: directories,
            check: IndexStatCheck(repository: repository, indexTimestamp: index.timestamp),
            isIgnored: { path throws(ChangeListError) in try UntrackedFiles.isIgnored(path, in: repository) })
        var paths = Set(scan.doubtfulEntries.map { index.pathString(of: index.entries[Int($0)]) })
        paths.formUnion(try UntrackedFiles(scan.untracked, repository: repository, workTree: workTree, excluding: isExcluded).paths)
        paths.formUnion(try StagedPaths(index: index, directories: directories, head: head, repository: repository).paths)
        return paths.filter { !isExcluded($0) }
    }
}

/// A work tree's HEAD and the layer that shows the work tree over it.
public struct WorkingTreeLayer: Sendable, Equatable {
    /// Nil before the first commit.
    public let head: ObjectID?
    public let changes: LayerChanges

    public init(head: ObjectID?, changes: LayerChanges) {
        self.head = head
        self.changes = changes
    }
}
