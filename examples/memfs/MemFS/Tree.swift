import FuseKit
import Glibc
import SystemPackage

/// A file or directory of ``MemoryFilesystem``.
final class Node {
    var attributes: FileAttributes
    var data: [UInt8] = []
    var symlinkTarget: FilePath?
    var xattrs: [String: [UInt8]] = [:]
    /// Directory entries by name, each with the readdir cookie it was given when inserted.
    var children: [FilePath.Component: (node: Node, cookie: Int64)] = [:]
    var parent: Node?
    private var nextCookie: Int64 = 3  // 1 and 2 are "." and ".."
    /// References the kernel holds (see `Inode`).
    var lookups: UInt64 = 0

    init(attributes: FileAttributes) { self.attributes = attributes }

    var inode: Inode { attributes.inode }
    var fileType: FileType { attributes.fileType }

    func resize(to size: Int) {
        if size < data.count { data.removeLast(data.count - size) } else { data += repeatElement(0, count: size - data.count) }
        attributes.size = UInt64(size)
        attributes.modificationTime = .now
        attributes.changeTime = attributes.modificationTime
    }

    func insert(_ node: Node, as name: FilePath.Component) {
        children[name] = (node, nextCookie)
        nextCookie += 1
        if node.fileType == .directory {
            node.parent = self
            attributes.linkCount += 1
        }
        touch()
    }

    func remove(_ name: FilePath.Component) {
        guard let removed = children.removeValue(forKey: name) else { return }
        if removed.node.fileType == .directory { attributes.linkCount -= 1 }
        touch()
    }

    private func touch() {
        attributes.modificationTime = .now
        attributes.changeTime = attributes.modificationTime
    }
}

/// The inode table and tree of ``MemoryFilesystem``; always used under its lock.
struct Tree {
    var nodes: [Inode: Node] = [:]
    private var nextInode: UInt = 2

    init(owner: (uid: uid_t, gid: gid_t)) {
        let now = timespec.now
        let root = Node(attributes: FileAttributes(
            inode: .root, mode: S_IFDIR | 0o755, linkCount: 2, uid: owner.uid, gid: owner.gid,
            accessTime: now, modificationTime: now, changeTime: now))
        nodes[.root] = root
    }

    func node(_ inode: Inode) throws(Errno) -> Node {
        guard let node = nodes[inode] else { throw .noSuchFileOrDirectory }
        return node
    }

    func directory(_ inode: Inode) throws(Errno) -> Node {
        let node = try node(inode)
        guard node.fileType == .directory else { throw .notDirectory }
        return node
    }

    func child(of parent: Inode, named name: FilePath.Component) throws(Errno) -> Node {
        guard let child = try directory(parent).children[name] else { throw .noSuchFileOrDirectory }
        return child.node
    }

    mutating func newNode(mode: mode_t, uid: uid_t, gid: gid_t) -> Node {
        let now = timespec.now
        let inode = Inode(nextInode)
        nextInode += 1
        let node = Node(attributes: FileAttributes(
            inode: inode, mode: mode, linkCount: mode & S_IFMT == S_IFDIR ? 2 : 1, uid: uid, gid: gid,
            accessTime: now, modificationTime: now, changeTime: now))
        nodes[inode] = node
        return node
    }

    mutating func forget(_ inode: Inode, lookups: UInt64) {
        guard let node = nodes[inode] else { return }
        node.lookups -= min(lookups, node.lookups)
        dropIfUnused(node)
    }

    /// Frees a node once no name and no kernel reference leads to it.
    mutating func dropIfUnused(_ node: Node) {
        let unlinked = node.fileType == .directory ? node.attributes.linkCount == 0 : node.attributes.linkCount == 0
        if unlinked && node.lookups == 0 && node.inode != .root { nodes[node.inode] = nil }
    }

    struct ListedEntry {
        let name: FilePath.Component
        let inode: Inode
        let type: FileType
        let cookie: Int64
    }

    /// Entries whose cookie is past `offset`, in cookie order; stable while entries come and go.
    func listing(of inode: Inode, after offset: Int64) throws(Errno) -> [ListedEntry] {
        let directory = try directory(inode)
        var entries = [
            ListedEntry(name: ".", inode: inode, type: .directory, cookie: 1),
            ListedEntry(name: "..", inode: directory.parent?.inode ?? .root, type: .directory, cookie: 2),
        ]
        for (name, child) in directory.children {
            entries.append(ListedEntry(name: name, inode: child.node.inode, type: child.node.fileType, cookie: child.cookie))
        }
        return entries.filter { $0.cookie > offset }.sorted { $0.cookie < $1.cookie }
    }

    mutating func rename(
        _ parent: Inode, _ name: FilePath.Component, _ newParent: Inode, _ newName: FilePath.Component,
        flags: RenameFlags
    ) throws(Errno) {
        guard !flags.contains(.whiteout) else { throw .invalidArgument }
        let from = try directory(parent)
        let to = try directory(newParent)
        guard let moving = from.children[name]?.node else { throw .noSuchFileOrDirectory }
        let replaced = to.children[newName]?.node
        if flags.contains(.exchange) {
            guard let replaced else { throw .noSuchFileOrDirectory }
            from.remove(name)
            to.remove(newName)
            to.insert(moving, as: newName)
            from.insert(replaced, as: name)
            return
        }
        if let replaced {
            if replaced === moving { return }
            guard !flags.contains(.noReplace) else { throw .fileExists }
            if replaced.fileType == .directory {
                guard moving.fileType == .directory else { throw .isDirectory }
                guard replaced.children.isEmpty else { throw .directoryNotEmpty }
                replaced.attributes.linkCount = 0
            } else {
                guard moving.fileType != .directory else { throw .notDirectory }
                replaced.attributes.linkCount -= 1
            }
            to.remove(newName)
            dropIfUnused(replaced)
        }
        if moving.fileType == .directory {
            var ancestor: Node? = to
            while let current = ancestor {
                if current === moving { throw .invalidArgument }
                ancestor = current.parent
            }
        }
        from.remove(name)
        to.insert(moving, as: newName)
        moving.attributes.changeTime = .now
    }
}
