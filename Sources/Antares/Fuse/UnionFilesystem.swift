import Dicfuse
import FuseKit
import Glibc
import SystemPackage

/// The union as a FUSE filesystem: upper (read-write directory) over change list over the Dicfuse base,
/// in kernel overlayfs's upper format, with the semantics of overlayfs with `redirect_dir=on`, so the
/// same upper directory means the same tree to both drivers.
///
/// - Nodes are numbered by their place in the union (``UnionNodeTable``), so a number survives copy-up
///   and rename; each node remembers where its lower layers continue (``LowerOrigin``), and the layers
///   are consulted on each request (``LayerStack``, ``LayerStack/mergedNames(ofDirectory:lower:)``).
/// - Changes are made in the upper layer only, prepared in the work directory and renamed into place
///   (``UpperEdits``, `copyUp`); deletions of lower names leave whiteouts, directories made over them are
///   opaque, and moved directories carry a redirect to their origin (`rename`).
/// - Performance follows DESIGN §5: `open` answers ENOSYS (no-open) and `flush` ENOSYS, so the kernel
///   sends neither; files are read and written by inode through descriptors kept per inode
///   (``DataDescriptorCache``), base files spliced from their blob; entries, attributes and failed
///   lookups are cached for a year, readdirplus fills the caches, there is no writeback cache.
/// - Reads of the namespace share ``namespaceLock``; changes to the upper layer's namespace take it
///   alone. Data reads and writes go to descriptors without it.
final class UnionFilesystem: FuseFilesystem {
    let layers: LayerStack
    let nodes: UnionNodeTable
    let edits: UpperEdits
    /// Lookups, getattrs and listings share it; changes to the upper layer's namespace (copy-up,
    /// create, unlink, rename) hold it alone, so no reader sees one half done.
    let namespaceLock = ReadWriteLock()
    let directoryListings = DirectoryListings()
    let dataDescriptors = DataDescriptorCache(limit: 4096)

    /// How long the kernel may cache entries, attributes and failed lookups. The union changes only
    /// through this mount, and every change it makes is one the kernel sees happen (copy-up keeps
    /// metadata and the union's own inode numbers), so nothing needs invalidating behind its back.
    static let cacheTimeout: Double = 365 * 24 * 3600

    init(dicfuse: Dicfuse, upper: FilePath, changeList: FilePath?, work: FilePath) {
        layers = LayerStack(
            upper: upper.string, changeList: changeList?.string, dicfuse: dicfuse, format: OverlayFormat.detect(for: upper))
        nodes = UnionNodeTable(rootLower: layers.rootLower)
        edits = UpperEdits(work: work.string)
    }

    static func mountOptions() -> MountOptions {
        var options = MountOptions(fsName: "scorpio-union", subtype: "scorpio-union")
        options.readOnly = false
        options.defaultPermissions = true
        options.writebackCache = false
        options.spliceRead = true
        options.readdirPlus = .auto
        options.cacheSymlinks = true
        options.negativeTimeout = cacheTimeout
        return options
    }

    // MARK: - Nodes

    func path(of inode: Inode) throws(Errno) -> String {
        guard let path = nodes.path(of: inode) else { throw .noSuchFileOrDirectory }
        return path
    }

    func location(of inode: Inode) throws(Errno) -> EntryLocation {
        guard let node = nodes.node(inode), let path = nodes.path(of: inode) else { throw .noSuchFileOrDirectory }
        return try layers.location(of: path, lower: node.lower)
    }

    func entry(_ inode: Inode, at location: EntryLocation) -> Entry {
        Entry(attributes: location.attributes(as: inode), attributeTimeout: Self.cacheTimeout, entryTimeout: Self.cacheTimeout)
    }

    /// Looks `name` up in `parent` and registers the node with `lookups` references.
    func resolveChild(_ name: String, in parent: Inode, lookups: UInt64) throws(Errno) -> Entry {
        guard let parentNode = nodes.node(parent), let parentPath = nodes.path(of: parent) else { throw .noSuchFileOrDirectory }
        let found = try layers.child(named: name, inDirectory: parentPath, lower: parentNode.lower)
        let inode = nodes.child(of: parent, named: name, lower: found.lower, lookups: lookups)
        return entry(inode, at: found.location)
    }

    // MARK: - Lookups and attributes

    func lookup(parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) -> Entry {
        try namespaceLock.reading { () throws(Errno) -> Entry in try resolveChild(name.string, in: parent, lookups: 1) }
    }

    func forget(inode: Inode, lookups: UInt64) {
        if nodes.forget(inode, lookups) { dataDescriptors.remove(inode) }
    }

    func getattr(inode: Inode, handle: UInt64?, context: RequestContext) throws(Errno) -> AttributesReply {
        if let descriptor = handle.flatMap(OpenFiles.descriptor(of:)) {
            return AttributesReply(FileAttributes(try Posix.fstat(descriptor), inode: inode), timeout: Self.cacheTimeout)
        }
        let location: EntryLocation
        do {
            location = try namespaceLock.reading { () throws(Errno) -> EntryLocation in try self.location(of: inode) }
        } catch .noSuchFileOrDirectory {
            // An unlinked file still in use is reached through the descriptor kept for it.
            guard let kept = dataDescriptors.descriptor(for: inode) else { throw .noSuchFileOrDirectory }
            return AttributesReply(FileAttributes(try Posix.fstat(kept.descriptor), inode: inode), timeout: Self.cacheTimeout)
        }
        let entry = entry(inode, at: location)
        return AttributesReply(entry.attributes, timeout: entry.attributeTimeout)
    }

    func readlink(inode: Inode, context: RequestContext) throws(Errno) -> FilePath {
        switch try namespaceLock.reading({ () throws(Errno) -> EntryLocation in try self.location(of: inode) }) {
        case .upper(let path, _): FilePath(try Posix.readlink(layers.upperPath(path)))
        case .changeList(let path, _): FilePath(try Posix.readlink(layers.changeListPath(path)!))
        case .base(let base, _): try layers.dicfuse.readlink(base)
        }
    }

    func statfs(inode: Inode) throws(Errno) -> FilesystemStatistics {
        guard let statistics = FilesystemStatistics(of: layers.upper) else { throw Errno(rawValue: errno) }
        return statistics
    }
}
