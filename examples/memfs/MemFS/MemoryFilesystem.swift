import FuseKit
import Glibc
import Synchronization
import SystemPackage

/// A read-write filesystem held entirely in memory: FuseKit's example and the subject of its tests.
///
/// One lock guards the whole tree, which is fine for an example and wrong for a fast filesystem.
public final class MemoryFilesystem: FuseFilesystem {
    private let tree: Mutex<Tree>
    private let timeout: Double

    /// - Parameter timeout: how long the kernel may cache entries and attributes. Every change comes
    ///   through the mount, so any value is correct; 0 makes every access reach the filesystem.
    public init(timeout: Double = 1, owner: (uid: uid_t, gid: gid_t) = (getuid(), getgid())) {
        self.tree = Mutex(Tree(owner: owner))
        self.timeout = timeout
    }

    /// Writes `contents` to the file at `path` (relative to the root, parents created) behind the kernel's
    /// back, as another writer of a shared store would; the kernel's caches learn of it only through
    /// ``KernelCacheNotifier``. Returns the file's inode.
    @discardableResult
    public func store(_ contents: [UInt8], at path: FilePath) throws(Errno) -> Inode {
        try tree.withLock { tree throws(Errno) in
            var directory = try tree.directory(.root)
            let components = Array(path.components)
            guard let name = components.last else { throw .invalidArgument }
            for component in components.dropLast() {
                if let next = directory.children[component]?.node {
                    directory = next
                } else {
                    let made = tree.newNode(mode: S_IFDIR | 0o755, uid: directory.attributes.uid, gid: directory.attributes.gid)
                    directory.insert(made, as: component)
                    directory = made
                }
            }
            let file: Node
            if let existing = directory.children[name]?.node {
                file = existing
            } else {
                file = tree.newNode(mode: S_IFREG | 0o644, uid: directory.attributes.uid, gid: directory.attributes.gid)
                directory.insert(file, as: name)
            }
            file.data = contents
            file.resize(to: contents.count)
            return file.inode
        }
    }

    private func entry(_ node: Node) -> Entry {
        Entry(attributes: node.attributes, attributeTimeout: timeout, entryTimeout: timeout)
    }

    public func lookup(parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) -> Entry {
        try tree.withLock { tree throws(Errno) in
            let node = try tree.child(of: parent, named: name)
            node.lookups += 1
            return entry(node)
        }
    }

    public func forget(inode: Inode, lookups: UInt64) {
        tree.withLock { $0.forget(inode, lookups: lookups) }
    }

    public func getattr(inode: Inode, handle: UInt64?, context: RequestContext) throws(Errno) -> AttributesReply {
        try tree.withLock { tree throws(Errno) in AttributesReply(try tree.node(inode).attributes, timeout: timeout) }
    }

    public func setattr(inode: Inode, changes: AttributeChanges, handle: UInt64?, context: RequestContext) throws(Errno) -> AttributesReply {
        try tree.withLock { tree throws(Errno) in
            let node = try tree.node(inode)
            if let mode = changes.mode { node.attributes.mode = (node.attributes.mode & S_IFMT) | (mode & ~S_IFMT) }
            if let uid = changes.uid { node.attributes.uid = uid }
            if let gid = changes.gid { node.attributes.gid = gid }
            if let size = changes.size {
                guard node.fileType == .regular else { throw .isDirectory }
                node.resize(to: Int(size))
            }
            if let atime = changes.accessTime { node.attributes.accessTime = atime.resolved }
            if let mtime = changes.modificationTime { node.attributes.modificationTime = mtime.resolved }
            node.attributes.changeTime = changes.changeTime ?? .now
            return AttributesReply(node.attributes, timeout: timeout)
        }
    }

    public func readlink(inode: Inode, context: RequestContext) throws(Errno) -> FilePath {
        try tree.withLock { tree throws(Errno) in
            guard let target = try tree.node(inode).symlinkTarget else { throw .invalidArgument }
            return target
        }
    }

    public func mknod(parent: Inode, name: FilePath.Component, mode: mode_t, rdev: dev_t, context: RequestContext) throws(Errno) -> Entry {
        try make(parent, name, mode: mode & ~context.umask, rdev: rdev, context: context)
    }

    public func mkdir(parent: Inode, name: FilePath.Component, mode: mode_t, context: RequestContext) throws(Errno) -> Entry {
        try make(parent, name, mode: S_IFDIR | (mode & ~context.umask & 0o7777), context: context)
    }

    public func symlink(target: FilePath, parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) -> Entry {
        try make(parent, name, mode: S_IFLNK | 0o777, symlinkTarget: target, context: context)
    }

    public func create(parent: Inode, name: FilePath.Component, mode: mode_t, flags: Int32, context: RequestContext) throws(Errno) -> (Entry, OpenReply) {
        let created = try make(parent, name, mode: S_IFREG | (mode & ~context.umask & 0o7777), context: context)
        return (created, OpenReply(handle: UInt64(created.inode.rawValue)))
    }

    private func make(
        _ parent: Inode, _ name: FilePath.Component, mode: mode_t, rdev: dev_t = 0, symlinkTarget: FilePath? = nil,
        context: RequestContext
    ) throws(Errno) -> Entry {
        try tree.withLock { tree throws(Errno) in
            let directory = try tree.directory(parent)
            guard directory.children[name] == nil else { throw .fileExists }
            let node = tree.newNode(mode: mode, uid: context.uid, gid: context.gid)
            node.attributes.rdev = rdev
            if let symlinkTarget {
                node.symlinkTarget = symlinkTarget
                node.attributes.size = UInt64(symlinkTarget.length)
            }
            directory.insert(node, as: name)
            node.lookups += 1
            return entry(node)
        }
    }

    public func link(inode: Inode, newParent: Inode, newName: FilePath.Component, context: RequestContext) throws(Errno) -> Entry {
        try tree.withLock { tree throws(Errno) in
            let node = try tree.node(inode)
            guard node.fileType != .directory else { throw .notPermitted }
            let directory = try tree.directory(newParent)
            guard directory.children[newName] == nil else { throw .fileExists }
            directory.insert(node, as: newName)
            node.attributes.linkCount += 1
            node.attributes.changeTime = .now
            node.lookups += 1
            return entry(node)
        }
    }

    public func unlink(parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) {
        try tree.withLock { tree throws(Errno) in
            let node = try tree.child(of: parent, named: name)
            guard node.fileType != .directory else { throw .isDirectory }
            try tree.directory(parent).remove(name)
            node.attributes.linkCount -= 1
            node.attributes.changeTime = .now
            tree.dropIfUnused(node)
        }
    }

    public func rmdir(parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) {
        try tree.withLock { tree throws(Errno) in
            let node = try tree.child(of: parent, named: name)
            guard node.fileType == .directory else { throw .notDirectory }
            guard node.children.isEmpty else { throw .directoryNotEmpty }
            try tree.directory(parent).remove(name)
            node.attributes.linkCount = 0
            tree.dropIfUnused(node)
        }
    }

    public func rename(
        parent: Inode, name: FilePath.Component, newParent: Inode, newName: FilePath.Component,
        flags: RenameFlags, context: RequestContext
    ) throws(Errno) {
        try tree.withLock { tree throws(Errno) in try tree.rename(parent, name, newParent, newName, flags: flags) }
    }

    public func open(inode: Inode, flags: Int32, context: RequestContext) throws(Errno) -> OpenReply {
        try tree.withLock { tree throws(Errno) in
            let node = try tree.node(inode)
            if flags & O_TRUNC != 0 && flags & O_ACCMODE != O_RDONLY { node.resize(to: 0) }
            return OpenReply(handle: UInt64(inode.rawValue), keepCache: true)
        }
    }

    public func read(inode: Inode, handle: UInt64, offset: Int64, size: Int, context: RequestContext) throws(Errno) -> ReadReply {
        try tree.withLock { tree throws(Errno) in
            let data = try tree.node(inode).data
            let start = min(Int(offset), data.count)
            return .bytes(Array(data[start..<min(start + size, data.count)]))
        }
    }

    public func write(inode: Inode, handle: UInt64, offset: Int64, data: UnsafeRawBufferPointer, flags: Int32, context: RequestContext) throws(Errno) -> Int {
        try tree.withLock { tree throws(Errno) in
            let node = try tree.node(inode)
            let start = flags & O_APPEND != 0 ? node.data.count : Int(offset)
            if node.data.count < start + data.count { node.resize(to: start + data.count) }
            node.data.replaceSubrange(start..<start + data.count, with: data)
            node.attributes.modificationTime = .now
            node.attributes.changeTime = node.attributes.modificationTime
            return data.count
        }
    }

    public func flush(inode: Inode, handle: UInt64, context: RequestContext) throws(Errno) {}
    public func fsync(inode: Inode, handle: UInt64, dataOnly: Bool) throws(Errno) {}

    public func opendir(inode: Inode, flags: Int32, context: RequestContext) throws(Errno) -> OpenReply {
        try tree.withLock { tree throws(Errno) in _ = try tree.directory(inode) }
        return OpenReply(handle: UInt64(inode.rawValue))
    }

    public func readdir(inode: Inode, handle: UInt64, offset: Int64, into buffer: inout DirectoryBuffer) throws(Errno) {
        let listing = try tree.withLock { tree throws(Errno) in try tree.listing(of: inode, after: offset) }
        for item in listing {
            guard buffer.add(name: item.name, inode: item.inode, type: item.type, nextOffset: item.cookie) else { break }
        }
    }

    public func statfs(inode: Inode) throws(Errno) -> FilesystemStatistics {
        let count = tree.withLock { UInt($0.nodes.count) }
        return FilesystemStatistics(blocks: 1 << 20, blocksFree: 1 << 19, blocksAvailable: 1 << 19, files: count + 1 << 20, filesFree: 1 << 20, filesAvailable: 1 << 20)
    }

    public func setxattr(inode: Inode, name: String, value: UnsafeRawBufferPointer, flag: ExtendedAttributeFlag, context: RequestContext) throws(Errno) {
        try tree.withLock { tree throws(Errno) in
            let node = try tree.node(inode)
            switch flag {
            case .create where node.xattrs[name] != nil: throw .fileExists
            case .replace where node.xattrs[name] == nil: throw .noData
            default: node.xattrs[name] = Array(value)
            }
        }
    }

    public func getxattr(inode: Inode, name: String, context: RequestContext) throws(Errno) -> [UInt8] {
        try tree.withLock { tree throws(Errno) in
            guard let value = try tree.node(inode).xattrs[name] else { throw .noData }
            return value
        }
    }

    public func listxattr(inode: Inode, context: RequestContext) throws(Errno) -> [String] {
        try tree.withLock { tree throws(Errno) in try tree.node(inode).xattrs.keys.sorted() }
    }

    public func removexattr(inode: Inode, name: String, context: RequestContext) throws(Errno) {
        try tree.withLock { tree throws(Errno) in
            guard try tree.node(inode).xattrs.removeValue(forKey: name) != nil else { throw .noData }
        }
    }
}
