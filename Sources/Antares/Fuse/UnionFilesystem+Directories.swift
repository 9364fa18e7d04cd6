import FuseKit
import Glibc
import SystemPackage

/// Listing, making and removing directories.
extension UnionFilesystem {
    /// The snapshot a listing continues in, and where: offset 0 starts a new one; an offset whose
    /// snapshot is no longer kept continues at the same position in a new one.
    private func listing(of inode: Inode, at offset: Int64) throws(Errno) -> (generation: UInt32, items: [DirectoryItem], position: Int) {
        let cookie = DirectoryCookie(offset: offset)
        if offset != 0, let items = directoryListings.items(cookie.generation) {
            return (cookie.generation, items, cookie.position)
        }
        let items = try snapshot(of: inode)
        return (directoryListings.add(items), items, offset == 0 ? 0 : cookie.position)
    }

    private func snapshot(of inode: Inode) throws(Errno) -> [DirectoryItem] {
        try namespaceLock.reading { () throws(Errno) -> [DirectoryItem] in
            guard let node = nodes.node(inode), let path = nodes.path(of: inode) else { throw .noSuchFileOrDirectory }
            guard try layers.location(of: path, lower: node.lower).isDirectory else { throw .notDirectory }
            let parent = node.names.first?.parent ?? .root
            var items = [DirectoryItem(name: ".", inode: inode, type: .directory), DirectoryItem(name: "..", inode: parent, type: .directory)]
            for name in try layers.mergedNames(ofDirectory: path, lower: node.lower) {
                guard let found = try? layers.child(named: name, inDirectory: path, lower: node.lower) else { continue }
                let child = nodes.child(of: inode, named: name, lower: found.lower, upperFile: Self.sharedUpperFile(found.location), lookups: 0)
                items.append(DirectoryItem(name: name, inode: child, type: found.location.attributes(as: child).fileType))
            }
            for name in try layers.listedWhiteouts(ofDirectory: path, lower: node.lower) {
                let child = nodes.child(of: inode, named: name, lower: nil, lookups: 0)
                items.append(DirectoryItem(name: name, inode: child, type: .characterSpecial, isListedWhiteout: true))
            }
            return items
        }
    }

    func fsyncdir(inode: Inode, handle: UInt64, dataOnly: Bool) throws(Errno) {}

    func readdir(inode: Inode, handle: UInt64, offset: Int64, into buffer: inout DirectoryBuffer) throws(Errno) {
        let (generation, items, start) = try listing(of: inode, at: offset)
        var position = start
        while position < items.count {
            let item = items[position]
            let next = DirectoryCookie(generation: generation, position: position + 1).offset
            guard let name = FilePath.Component(item.name), buffer.add(name: name, inode: item.inode, type: item.type, nextOffset: next)
            else { return }
            position += 1
        }
    }

    func readdirplus(inode: Inode, handle: UInt64, offset: Int64, into buffer: inout DirectoryBuffer) throws(Errno) {
        let (generation, items, start) = try listing(of: inode, at: offset)
        var position = start
        while position < items.count {
            let item = items[position]
            guard let name = FilePath.Component(item.name) else { return }
            let isDots = item.name == "." || item.name == ".."
            let found: Entry? = namespaceLock.reading {
                if isDots { return (try? location(of: item.inode)).map { entry(item.inode, at: $0) } }
                if item.isListedWhiteout {
                    // Listed but not there: an entry the kernel must look up again (and not find).
                    _ = nodes.child(of: inode, named: item.name, lower: nil, lookups: 1)
                    let whiteout = FileAttributes(inode: item.inode, mode: S_IFCHR, linkCount: 1)
                    return Entry(attributes: whiteout, attributeTimeout: 0, entryTimeout: 0)
                }
                return try? resolveChild(item.name, in: inode, lookups: 1)
            }
            if let found {
                let next = DirectoryCookie(generation: generation, position: position + 1).offset
                guard buffer.add(name: name, entry: found, nextOffset: next) else {
                    if !isDots { forget(inode: found.inode, lookups: 1) }
                    return
                }
            }
            position += 1
        }
    }

    func mkdir(parent: Inode, name: FilePath.Component, mode: mode_t, context: RequestContext) throws(Errno) -> Entry {
        try Self.checkName(name)
        return try namespaceLock.writing { () throws(Errno) -> Entry in
            let parentPath = try copyUpPath(parent)
            let path = joinPath(parentPath, name.string)
            let owner = owner(ofNewEntryIn: parentPath, context: context)
            // A directory made over a whiteout hides what the lower layers have at its name.
            let overWhiteout = layers.upper.status(path)?.isWhiteout == true
            try edits.create(at: path) { (directory, made) throws(Errno) in
                try directory.makeDirectory(made, 0o700)
                try directory.changeOwner(made, uid: owner.uid, gid: owner.gid)
                try directory.changeMode(made, mode | (owner.inheritsSetGroupID ? S_ISGID : 0))
                if overWhiteout { try layers.format.setOpaque(made, in: directory) }
            }
            nodes.removeName(name.string, in: parent)
            let inode = nodes.child(of: parent, named: name.string, lower: nil, lookups: 1)
            return entry(inode, at: try layers.location(of: path, lower: nil))
        }
    }

    func rmdir(parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) {
        try Self.checkName(name)
        try namespaceLock.writing { () throws(Errno) in
            guard let parentNode = nodes.node(parent), let parentPath = nodes.path(of: parent) else { throw Errno.noSuchFileOrDirectory }
            let found = try layers.child(named: name.string, inDirectory: parentPath, lower: parentNode.lower)
            guard found.location.isDirectory else { throw Errno.notDirectory }
            let path = joinPath(parentPath, name.string)
            guard try layers.mergedNames(ofDirectory: path, lower: found.lower).isEmpty else { throw Errno.directoryNotEmpty }
            try removeEntry(name.string, in: parent, parentPath: parentPath, parentLower: parentNode.lower)
        }
    }

    /// Removes a union entry: its upper object goes (a file the kernel still uses, to the work
    /// directory as an orphan), and a whiteout stays where a lower layer has the name. Call with
    /// ``namespaceLock`` held for writing.
    func removeEntry(_ name: String, in parent: Inode, parentPath: String, parentLower: LowerOrigin?) throws(Errno) {
        let path = joinPath(parentPath, name)
        let lowerHasName = parentLower.flatMap { layers.lowerChild(of: $0, named: name) } != nil
        let known = nodes.child(of: parent, named: name)
        if let st = layers.upper.status(path), !st.isWhiteout {
            if let known, st.isDirectory || st.st_nlink == 1 {
                try edits.orphan(path, as: known)
            } else if st.isDirectory {
                try edits.removeDirectory(path)
            } else {
                try layers.upper.unlink(path)
            }
        }
        if lowerHasName {
            try copyUp(parent)
            try edits.placeWhiteout(at: path)
        }
        settleRemovedName(name, in: parent)
    }

    /// Updates the node table once `name` in `parent` is gone from the layers: a node that lost its last
    /// name and is no longer used goes with its descriptor and orphan file; one still in use keeps them.
    func settleRemovedName(_ name: String, in parent: Inode) {
        guard let (inode, removal) = nodes.removeName(name, in: parent) else { return }
        switch removal {
        case .stillNamed:
            break
        case .inUse:
            if edits.work.status(edits.orphanName(inode)) != nil { nodes.markOrphan(inode) }
        case .dropped:
            letGo(of: inode, removingOrphan: true)
        }
    }
}
