import CGit2
import SystemPackage

/// The layer entries that, laid over a tree equal to `old`, show `new`: changed files and symlinks written
/// whole, vanished entries (a whole directory at once) whited out, a tree replaced by a submodule made
/// opaque. Renames come out as a deletion and an addition. Over a base that moved on since `old`, a
/// directory whited out whole also hides what the base added to it since.
struct GitTreeDiff {
    private let repository: GitRepository
    private(set) var changes = LayerChanges()

    private init(repository: GitRepository) { self.repository = repository }

    static func changes(from old: GitTree, to new: GitTree, in repository: GitRepository) throws(ChangeListError) -> LayerChanges {
        var diff = GitTreeDiff(repository: repository)
        try diff.compare(old, new, at: FilePath())
        return diff.changes
    }

    private mutating func compare(_ old: GitTree?, _ new: GitTree, at directory: FilePath) throws(ChangeListError) {
        let oldEntries = Dictionary((old?.entries ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newEntries = Dictionary(new.entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for name in Set(oldEntries.keys).union(newEntries.keys).sorted() {
            let path = directory.appending(name)
            switch (oldEntries[name], newEntries[name]) {
            case (nil, let added?):
                try write(added, at: path, replacing: nil)
            case (let removed?, nil):
                changes.entries.append(LayerEntry(path: path, content: .whiteout))
                changes.deleted += try fileCount(of: removed)
            case (let before?, let after?) where before.isSame(as: after):
                continue
            case (let before?, let after?) where before.kind == .directory && after.kind == .directory:
                try compare(repository.tree(before.id), repository.tree(after.id), at: path)
            case (let before?, let after?):
                try write(after, at: path, replacing: before)
            case (nil, nil):
                continue
            }
        }
    }

    /// Writes `entry` at `path`, where the lower layer has `replaced` (nil: nothing).
    private mutating func write(_ entry: GitTree.Entry, at path: FilePath, replacing replaced: GitTree.Entry?) throws(ChangeListError) {
        switch entry.kind {
        case .file(let executable):
            changes.entries.append(LayerEntry(path: path, content: .file(bytes: try repository.blob(entry.id), executable: executable)))
        case .symlink:
            let target = String(decoding: try repository.blob(entry.id), as: UTF8.self)
            changes.entries.append(LayerEntry(path: path, content: .symlink(target: target)))
        case .submodule:
            // A lower directory would show through an empty directory written over it.
            changes.entries.append(LayerEntry(path: path, content: .directory(opaque: replaced?.kind == .directory)))
        case .directory:
            // A directory over a lower non-directory hides it: overlayfs merges directories only.
            changes.entries.append(LayerEntry(path: path, content: .directory(opaque: false)))
            try compare(nil, repository.tree(entry.id), at: path)
            if let replaced { changes.deleted += try fileCount(of: replaced) }
            return
        }
        switch replaced?.kind {
        case nil:
            changes.added += 1
        case .directory?:
            changes.deleted += try fileCount(of: replaced!)
            changes.added += 1
        default:
            changes.modified += 1
        }
    }

    /// Files, symlinks and submodules at or below `entry`.
    private func fileCount(of entry: GitTree.Entry) throws(ChangeListError) -> Int {
        guard entry.kind == .directory else { return 1 }
        var count = 0
        for child in try repository.tree(entry.id).entries {
            count += try fileCount(of: child)
        }
        return count
    }
}
