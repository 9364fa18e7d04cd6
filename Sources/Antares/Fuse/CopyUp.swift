import FuseKit
import Glibc
import SystemPackage

extension UnionFilesystem {
    /// Makes sure the entry has its own copy in the upper layer (or, for a file unlinked while open, in
    /// the work directory) and returns where. Parents are copied first; the object is prepared in the
    /// work directory with its metadata, data and xattrs and renamed into place. Call with
    /// ``namespaceLock`` held for writing.
    @discardableResult
    func copyUp(_ inode: Inode) throws(Errno) -> RealEntry {
        let location = try self.location(of: inode)
        if location.isWritable { return location.entry }
        guard let path = nodes.path(of: inode) else {
            // Nameless (unlinked while open) and still in a lower layer: its copy is its orphan file.
            let orphan = edits.orphanName(inode)
            try prepareCopy(of: location, in: edits.work, at: orphan)
            nodes.markOrphan(inode)
            dataDescriptors.remove(inode)
            return RealEntry(layer: .orphan, path: orphan, directory: edits.work)
        }
        if let parent = nodes.node(inode)?.names.first?.parent { try copyUp(parent) }
        let prepared = edits.scratchName()
        // A copy-up changes nothing the union shows of the parent: its times are put back after.
        let parentPath = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? ""
        let parent = layers.upper.status(parentPath)
        do {
            try prepareCopy(of: location, in: edits.work, at: prepared)
            try edits.work.rename(prepared, to: path, in: layers.upper, flags: UpperEdits.renameNoReplace)
            if let parent { try? layers.upper.setTimes(parentPath, access: parent.st_atim, modification: parent.st_mtim) }
            dataDescriptors.remove(inode)
            // The copy and its parent now show the upper layer's directory sizes and link counts.
            if let parentInode = nodes.node(inode)?.names.first?.parent { invalidations.invalidate(inode, parentInode) }
        } catch {
            edits.work.removeTree(prepared)
            throw error
        }
        return layers.upperEntry(path)
    }

    /// The upper path of an entry, copied up first if needed (an upper path only: not for nameless nodes).
    func copyUpPath(_ inode: Inode) throws(Errno) -> String {
        let entry = try copyUp(inode)
        guard entry.layer == .upper else { throw .noSuchFileOrDirectory }
        return entry.path
    }

    /// A copy of the entry at `location` (an empty directory for a directory) at `target` in `directory`,
    /// with its owner, mode, times and (from the change list) xattrs.
    func prepareCopy(of location: EntryLocation, in directory: LayerDirectory, at target: String) throws(Errno) {
        let attributes = location.attributes(as: .root)
        switch attributes.fileType {
        case .directory:
            try directory.makeDirectory(target, 0o700)
        case .regular:
            let destination = try directory.open(target, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            defer { close(destination) }
            try copyData(of: location, to: destination, count: attributes.size)
        case .symbolicLink:
            try directory.makeSymlink(target, target: try location.entry.directory.readlink(location.entry.path))
        default:
            try directory.makeNode(target, attributes.mode, attributes.rdev)
        }
        try directory.changeOwner(target, uid: attributes.uid, gid: attributes.gid)
        if attributes.fileType != .symbolicLink { try directory.changeMode(target, attributes.mode) }
        try copyXattrs(from: location.entry, to: target, in: directory)
        try directory.setTimes(target, access: attributes.accessTime, modification: attributes.modificationTime)
    }

    private func copyData(of location: EntryLocation, to destination: Int32, count: UInt64) throws(Errno) {
        let source = try location.entry.directory.open(location.entry.path, O_RDONLY)
        defer { close(source) }
        try Posix.copyData(from: source, to: destination, count: count)
    }

    /// Copies the xattrs a user can see (overlay-internal ones stay behind); a layer whose filesystem
    /// has no xattrs has none to copy.
    private func copyXattrs(from source: RealEntry, to target: String, in directory: LayerDirectory) throws(Errno) {
        let names: [String]
        do throws(Errno) { names = try source.directory.xattrNames(source.path) } catch {
            if error == .notSupported || error == .noFunction { return }
            throw error
        }
        for name in names where layers.format.shownName(name) != nil {
            guard let value = try? source.directory.xattr(source.path, name) else { continue }
            try directory.setXattr(target, name, value, flags: 0)
        }
    }
}
