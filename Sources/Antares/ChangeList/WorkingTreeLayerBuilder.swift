import CGit2
import Glibc
import SystemPackage

/// Turns the paths `git status` names into layer entries, by what the work tree and HEAD hold there.
struct WorkingTreeLayerBuilder {
    let workTree: FilePath
    let headTree: GitTree?
    private(set) var changes = LayerChanges()
    private var whiteouts: Set<FilePath> = []

    init(workTree: FilePath, headTree: GitTree?) {
        self.workTree = workTree
        self.headTree = headTree
    }

    mutating func add(_ path: String) throws(ChangeListError) {
        let relative = FilePath(path)
        let inHead = headTree?.entry(atPath: path)
        let onDisk = workTree.appending(relative.components)
        var status = stat()
        guard lstat(onDisk.string, &status) == 0 else {
            if inHead != nil { delete(relative) }
            return
        }
        let content: LayerEntry.Content
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            let executable = status.st_mode & S_IXUSR != 0
            if let inHead, inHead.kind == .file(executable: executable), inHead.id.isSame(as: try Self.blobID(ofFile: onDisk)) {
                return
            }
            content = .copy(of: onDisk, executable: executable)
        case S_IFLNK:
            let target: String
            do { target = try Posix.readlink(onDisk.string) } catch { throw .layer(onDisk, reason: "cannot read the symlink: \(error)") }
            if let inHead, inHead.kind == .symlink, inHead.id.isSame(as: Self.blobID(of: Array(target.utf8))) { return }
            content = .symlink(target: target)
        case S_IFDIR:
            // Its files have their own status entries; a file or symlink it replaced counts as deleted.
            if let inHead, inHead.kind != .directory { changes.deleted += 1 }
            return
        default:
            return
        }
        changes.entries.append(LayerEntry(path: relative, content: content))
        // As in a CL, a file that replaced a directory is added (the directory's files count as deleted).
        if inHead == nil || inHead?.kind == .directory { changes.added += 1 } else { changes.modified += 1 }
    }

    /// Whites out `path`, or the highest of its directories that is gone from the work tree (kernel
    /// overlayfs would otherwise show an empty directory); nothing when a non-directory replaced one.
    private mutating func delete(_ path: FilePath) {
        changes.deleted += 1
        var ancestor = FilePath()
        for component in path.components {
            ancestor.append(component)
            var status = stat()
            if lstat(workTree.appending(ancestor.components).string, &status) != 0 { break }
            if status.st_mode & S_IFMT != S_IFDIR { return }
        }
        if whiteouts.insert(ancestor).inserted {
            changes.entries.append(LayerEntry(path: ancestor, content: .whiteout))
        }
    }

    private static func blobID(ofFile path: FilePath) throws(ChangeListError) -> git_oid {
        var id = git_oid()
        guard git_odb_hashfile(&id, path.string, GIT_OBJECT_BLOB) == 0 else {
            throw .git("hashing \(path)", reason: GitRepository.lastErrorMessage)
        }
        return id
    }

    private static func blobID(of bytes: [UInt8]) -> git_oid {
        var id = git_oid()
        _ = bytes.withUnsafeBytes { git_odb_hash(&id, $0.baseAddress, $0.count, GIT_OBJECT_BLOB) }
        return id
    }
}
