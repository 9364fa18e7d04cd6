import FuseKit
import Glibc
import SystemPackage

/// Making and removing non-directory names.
extension UnionFilesystem {
    func mknod(parent: Inode, name: FilePath.Component, mode: mode_t, rdev: dev_t, context: RequestContext) throws(Errno) -> Entry {
        try makeEntry(name.string, in: parent) { (made) throws(Errno) in
            try Posix.check(Glibc.mknod(made, mode, rdev))
            try Posix.check(lchown(made, context.uid, context.gid))
            try Posix.check(chmod(made, mode & 0o7777))
        }
    }

    func symlink(target: FilePath, parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) -> Entry {
        try makeEntry(name.string, in: parent) { (made) throws(Errno) in
            try Posix.check(Glibc.symlink(target.string, made))
            try Posix.check(lchown(made, context.uid, context.gid))
        }
    }

    /// Creates a new upper object at `name` in `parent` through `make` (see ``UpperEdits/create(at:_:)``).
    private func makeEntry(_ name: String, in parent: Inode, _ make: (String) throws(Errno) -> Void) throws(Errno) -> Entry {
        try namespaceLock.writing { () throws(Errno) -> Entry in
            let path = joinPath(try copyUp(parent), name)
            try edits.create(at: layers.upperPath(path), make)
            nodes.removeName(name, in: parent)
            let inode = nodes.child(of: parent, named: name, lower: nil, lookups: 1)
            return entry(inode, at: try layers.location(of: path, lower: nil))
        }
    }

    func link(inode: Inode, newParent: Inode, newName: FilePath.Component, context: RequestContext) throws(Errno) -> Entry {
        try namespaceLock.writing { () throws(Errno) -> Entry in
            let source = layers.upperPath(try copyUp(inode))
            let path = joinPath(try copyUp(newParent), newName.string)
            try edits.create(at: layers.upperPath(path)) { (made) throws(Errno) in try Posix.check(Glibc.link(source, made)) }
            nodes.removeName(newName.string, in: newParent)
            nodes.addName(inode, newName.string, in: newParent)
            return entry(inode, at: try layers.location(of: path, lower: nil))
        }
    }

    func unlink(parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) {
        try namespaceLock.writing { () throws(Errno) in
            guard let parentNode = nodes.node(parent), let parentPath = nodes.path(of: parent) else { throw Errno.noSuchFileOrDirectory }
            let found = try layers.child(named: name.string, inDirectory: parentPath, lower: parentNode.lower)
            if found.location.isDirectory { throw Errno.isDirectory }
            try removeEntry(name.string, in: parent, parentPath: parentPath, parentLower: parentNode.lower)
        }
    }
}
