import CGit2

/// The paths where the index differs from HEAD (what `git diff --cached --name-only` lists, both sides
/// of a type change included), found the way git finds them: a directory whose cache-tree id equals
/// HEAD's tree there has nothing staged below it and is not read; only the rest of HEAD is.
/// Submodules are left out; a path can appear more than once (one per stage of a conflict).
struct StagedPaths {
    private(set) var paths: [String] = []
    private let index: GitIndexFile
    private let directories: IndexDirectories
    private let repository: GitRepository

    init(index: GitIndexFile, directories: IndexDirectories, head: GitTree?, repository: GitRepository) throws(ChangeListError) {
        self.index = index
        self.directories = directories
        self.repository = repository
        try compare(directory: 0, cache: index.cacheTree, head: head, prefix: "")
    }

    private mutating func compare(directory id: Int32, cache: GitCacheTree?, head: GitTree?, prefix: String) throws(ChangeListError) {
        if let cached = cache?.treeID, let head, cached == GitIndexFile.ObjectIDBytes(head.id) { return }
        var headEntries = Dictionary((head?.entries ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let directory = directories[id]
        for number in directory.files {
            let entry = index.entries[Int(number)]
            let path = index.pathString(of: entry)
            let name = String(path.dropFirst(prefix.count))
            let inHead = headEntries.removeValue(forKey: name)
            if entry.isGitlink || inHead?.kind == .submodule { continue }
            if let inHead, inHead.kind == entry.kind, GitIndexFile.ObjectIDBytes(inHead.id) == entry.objectID,
                entry.stage == 0, !entry.isIntentToAdd {
                continue
            }
            paths.append(path)
            if let inHead, inHead.kind == .directory { try addFiles(of: repository.tree(inHead.id), prefix: path + "/") }
        }
        for sub in directory.subdirectories {
            let name = String(decoding: index.paths[Int(directories[sub].nameStart)..<Int(directories[sub].nameStart + directories[sub].nameLength)], as: UTF8.self)
            let inHead = headEntries.removeValue(forKey: name)
            if let inHead, inHead.kind == .directory {
                try compare(directory: sub, cache: cache?.children[name], head: repository.tree(inHead.id), prefix: prefix + name + "/")
                continue
            }
            if let inHead, inHead.kind != .submodule { paths.append(prefix + name) }
            addFiles(of: sub)
        }
        for (name, inHead) in headEntries {
            switch inHead.kind {
            case .submodule: continue
            case .directory: try addFiles(of: repository.tree(inHead.id), prefix: prefix + name + "/")
            default: paths.append(prefix + name)
            }
        }
    }

    /// Every file of HEAD's `tree`, whose path starts with `prefix`.
    private mutating func addFiles(of tree: GitTree, prefix: String) throws(ChangeListError) {
        for entry in tree.entries {
            switch entry.kind {
            case .submodule: continue
            case .directory: try addFiles(of: repository.tree(entry.id), prefix: prefix + entry.name + "/")
            default: paths.append(prefix + entry.name)
            }
        }
    }

    /// Every file the index has below directory `id`.
    private mutating func addFiles(of id: Int32) {
        let directory = directories[id]
        for number in directory.files where !index.entries[Int(number)].isGitlink {
            paths.append(index.pathString(of: index.entries[Int(number)]))
        }
        for sub in directory.subdirectories { addFiles(of: sub) }
    }
}

extension GitIndexFile.Entry {
    /// What a tree entry of this mode would be.
    var kind: GitTree.Entry.Kind {
        switch mode & 0o170000 {
        case 0o120000: .symlink
        case 0o160000: .submodule
        case 0o040000: .directory
        default: .file(executable: mode & 0o100 != 0)
        }
    }
}

extension GitIndexFile.ObjectIDBytes {
    init(_ id: git_oid) {
        self = withUnsafeBytes(of: id.id) { GitIndexFile.ObjectIDBytes($0) }
    }
}
