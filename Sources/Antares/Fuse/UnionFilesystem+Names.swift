import FuseKit
import Glibc
import SystemPackage

/// Making and removing non-directory names.
extension UnionFilesystem {
    func mknod(parent: Inode, name: FilePath.Component, mode: mode_t, rdev: dev_t, context: RequestContext) throws(Errno) -> Entry {
        try Self.checkName(name)
        // A character device 0/0 is a whiteout: nobody makes one through an overlay.
        if mode & S_IFMT == S_IFCHR && rdev == 0 { throw .notPermitted }
        return try makeEntry(name.string, in: parent, context: context) { (directory, path, owner) throws(Errno) in
            try directory.makeNode(path, mode, rdev)
            try directory.changeOwner(path, uid: owner.uid, gid: owner.gid)
            try directory.changeMode(path, mode)
        }
    }

    func symlink(target: FilePath, parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) -> Entry {
        try Self.checkName(name)
        return try makeEntry(name.string, in: parent, context: context) { (directory, path, owner) throws(Errno) in
            try directory.makeSymlink(path, target: target.string)
            try directory.changeOwner(path, uid: owner.uid, gid: owner.gid)
        }
    }

    /// Who owns an entry the caller makes in the upper directory at `parentPath`: the caller, in the
    /// directory's group when the directory is set-group-ID (a directory made there inherits the bit).
    func owner(ofNewEntryIn parentPath: String, context: RequestContext) -> NewEntryOwner {
        guard let parent = layers.upper.status(parentPath), parent.st_mode & S_ISGID != 0 else {
            return NewEntryOwner(uid: context.uid, gid: context.gid, inheritsSetGroupID: false)
        }
        return NewEntryOwner(uid: context.uid, gid: parent.st_gid, inheritsSetGroupID: true)
    }

    /// Creates a new upper object at `name` in `parent` through `make` (see ``UpperEdits/create(at:_:)``).
    private func makeEntry(
        _ name: String, in parent: Inode, context: RequestContext,
        _ make: (LayerDirectory, String, NewEntryOwner) throws(Errno) -> Void
    ) throws(Errno) -> Entry {
        try namespaceLock.writing { () throws(Errno) -> Entry in
            let parentPath = try copyUpPath(parent)
            let path = joinPath(parentPath, name)
            let owner = owner(ofNewEntryIn: parentPath, context: context)
            try edits.create(at: path) { (directory, made) throws(Errno) in try make(directory, made, owner) }
            nodes.removeName(name, in: parent)
            let inode = nodes.child(of: parent, named: name, lower: nil, lookups: 1)
            return entry(inode, at: try layers.location(of: path, lower: nil))
        }
    }

    func link(inode: Inode, newParent: Inode, newName: FilePath.Component, context: RequestContext) throws(Errno) -> Entry {
        try Self.checkName(newName)
        return try namespaceLock.writing { () throws(Errno) -> Entry in
            let source = try copyUpPath(inode)
            let path = joinPath(try copyUpPath(newParent), newName.string)
            try edits.create(at: path) { (directory, made) throws(Errno) in try layers.upper.link(source, as: made, in: directory) }
            guard let st = layers.upper.status(path) else { throw Errno.noSuchFileOrDirectory }
            nodes.removeName(newName.string, in: newParent)
            nodes.addName(inode, newName.string, in: newParent, upperFile: st.st_ino)
            return entry(inode, at: EntryLocation(layers.upperEntry(path), st))
        }
    }

    func unlink(parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) {
        try Self.checkName(name)
        try namespaceLock.writing { () throws(Errno) in
            guard let parentNode = nodes.node(parent), let parentPath = nodes.path(of: parent) else { throw Errno.noSuchFileOrDirectory }
            let found = try layers.child(named: name.string, inDirectory: parentPath, lower: parentNode.lower)
            if found.location.isDirectory { throw Errno.isDirectory }
            try removeEntry(name.string, in: parent, parentPath: parentPath, parentLower: parentNode.lower)
        }
    }
}

/// The owner of an entry the union makes for a caller.
struct NewEntryOwner {
    var uid: uid_t
    var gid: gid_t
    /// Made in a set-group-ID directory: a directory made there is set-group-ID too.
    var inheritsSetGroupID: Bool
}
