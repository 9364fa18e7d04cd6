import Dicfuse
import FuseKit
import Glibc
import SystemPackage

extension UnionFilesystem {
    /// Makes sure the entry has its own copy in the upper layer and returns its upper path (relative).
    /// Parents are copied first; the object is prepared in the work directory with its metadata, data
    /// and xattrs and renamed into place. Call with ``namespaceLock`` held for writing.
    @discardableResult
    func copyUp(_ inode: Inode) throws(Errno) -> String {
        guard let node = nodes.node(inode), let path = nodes.path(of: inode) else { throw .noSuchFileOrDirectory }
        let location = try layers.location(of: path, lower: node.lower)
        if case .upper = location { return path }
        if let parent = node.names.first?.parent { try copyUp(parent) }
        let prepared = edits.scratchPath()
        do {
            try prepareCopy(of: location, at: prepared)
            try Posix.rename(prepared, layers.upperPath(path), flags: UpperEdits.renameNoReplace)
            dataDescriptors.remove(inode)
        } catch {
            Posix.removeTree(prepared)
            throw error
        }
        return path
    }

    func prepareCopy(of location: EntryLocation, at target: String) throws(Errno) {
        let attributes = location.attributes(as: .root)
        let permissions = attributes.mode & 0o7777
        switch attributes.fileType {
        case .directory:
            try Posix.check(Glibc.mkdir(target, 0o700))
        case .regular:
            let destination = try Posix.open(target, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            defer { close(destination) }
            try copyData(of: location, to: destination, count: attributes.size)
        case .symbolicLink:
            let linkTarget: String
            switch location {
            case .upper(let path, _): linkTarget = try Posix.readlink(layers.upperPath(path))
            case .changeList(let path, _): linkTarget = try Posix.readlink(layers.changeListPath(path)!)
            case .base(let base, _): linkTarget = try layers.dicfuse.readlink(base).string
            }
            try Posix.check(Glibc.symlink(linkTarget, target))
        default:
            try Posix.check(Glibc.mknod(target, attributes.mode, attributes.rdev))
        }
        try Posix.check(lchown(target, attributes.uid, attributes.gid))
        if attributes.fileType != .symbolicLink { try Posix.check(chmod(target, permissions)) }
        if case .changeList(let path, _) = location { try copyXattrs(from: layers.changeListPath(path)!, to: target) }
        try Posix.setTimes(target, access: attributes.accessTime, modification: attributes.modificationTime)
    }

    private func copyData(of location: EntryLocation, to destination: Int32, count: UInt64) throws(Errno) {
        switch location {
        case .base(let base, _):
            let blob = try layers.dicfuse.blob(of: base)
            try Posix.copyData(from: blob.descriptor.rawValue, to: destination, count: blob.size)
        case .changeList(let path, _), .upper(let path, _):
            let real = if case .upper = location { layers.upperPath(path) } else { layers.changeListPath(path)! }
            let source = try Posix.open(real, O_RDONLY)
            defer { close(source) }
            try Posix.copyData(from: source, to: destination, count: count)
        }
    }

    /// Copies the xattrs a user can see (overlay-internal ones stay behind).
    private func copyXattrs(from source: String, to target: String) throws(Errno) {
        for name in try XattrCalls.list(source) where !OverlayFormat.isInternal(name) {
            guard let value = try? XattrCalls.get(source, name) else { continue }
            try XattrCalls.set(target, name, value, flags: 0)
        }
    }
}
