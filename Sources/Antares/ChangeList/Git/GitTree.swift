import CGit2

/// A libgit2 tree, freed when released.
final class GitTree {
    struct Entry {
        enum Kind: Equatable {
            case file(executable: Bool)
            case symlink
            case directory
            case submodule
        }

        let name: String
        let kind: Kind
        let id: git_oid

        func isSame(as other: Entry) -> Bool { kind == other.kind && id.isSame(as: other.id) }

        /// The entry libgit2 describes with `entry`.
        init(_ entry: OpaquePointer) {
            switch git_tree_entry_filemode(entry) {
            case GIT_FILEMODE_TREE: kind = .directory
            case GIT_FILEMODE_COMMIT: kind = .submodule
            case GIT_FILEMODE_LINK: kind = .symlink
            case GIT_FILEMODE_BLOB_EXECUTABLE: kind = .file(executable: true)
            default: kind = .file(executable: false)
            }
            name = String(cString: git_tree_entry_name(entry))
            id = git_tree_entry_id(entry).pointee
        }
    }

    private let tree: OpaquePointer

    init(_ tree: OpaquePointer) { self.tree = tree }

    deinit { git_tree_free(tree) }

    var id: git_oid { git_tree_id(tree).pointee }

    var entries: [Entry] {
        (0..<git_tree_entrycount(tree)).compactMap { index in
            git_tree_entry_byindex(tree, index).map(Entry.init)
        }
    }

    /// The entry at the slash-separated `path` below this tree, if there is one.
    func entry(atPath path: String) -> Entry? {
        var found: OpaquePointer?
        guard git_tree_entry_bypath(&found, tree, path) == 0, let found else { return nil }
        defer { git_tree_entry_free(found) }
        return Entry(found)
    }
}
