import FuseKit
import Glibc
import SystemPackage

/// The union as a FUSE filesystem: upper (read-write directory) over read-only lower directories (a
/// job's change list over its base, a mounted Dicfuse revision shared by every job on the host),
/// in kernel overlayfs's upper format, with the semantics of overlayfs with `redirect_dir=on`, so the
/// same upper directory means the same tree to both drivers.
///
/// - Nodes are numbered by their place in the union (``UnionNodeTable``), so a number survives copy-up
///   and rename; the names of a hard-linked upper file share a node; each node remembers where its
///   lower layers continue (``LowerOrigin``), and the layers are consulted on each request
///   (``LayerStack``, ``LayerStack/mergedNames(ofDirectory:lower:)``).
/// - Changes are made in the upper layer only, prepared in the work directory and renamed into place
///   (``UpperEdits``, `copyUp`); deletions of lower names leave whiteouts, directories made over them are
///   opaque, and moved directories carry a redirect to their origin (`rename`). Every call on a real
///   layer goes through ``LayerDirectory``, relative to the layer, so any depth the kernel accepts works.
/// - A file unlinked while the kernel still uses it (an open descriptor) moves to the scratch space and
///   stays readable and writable by inode, with a link count of 0, until the kernel forgets it.
/// - Performance follows DESIGN §5: `open` answers ENOSYS (no-open) and `flush` ENOSYS, so the kernel
///   sends neither; files are read and written by inode through a bounded cache of descriptors
///   (``DataDescriptorCache``), base files spliced from their blob; entries, attributes and failed
///   lookups are cached for a year, readdirplus fills the caches, there is no writeback cache.
/// - Permissions are the kernel's (`default_permissions`, from the attributes served); new entries are
///   owned by the caller (and by a setgid directory's group), as Linux makes them.
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
    let dataDescriptors: DataDescriptorCache
    /// False for a volatile union: fsync reaches no disk.
    let syncsWrites: Bool
    let lowerLinks = LowerLinkNumbers()
    /// Tells the kernel about attributes that changed without a request for them; started once mounted.
    let invalidations = AttributeInvalidations()

    /// How long the kernel may cache entries, attributes and failed lookups. The union changes only
    /// through this mount, and every change it makes is one the kernel sees happen (copy-up keeps
    /// metadata and the union's own inode numbers), so nothing needs invalidating behind its back.
    static let cacheTimeout: Double = 365 * 24 * 3600
    /// Lower files up to this size are read in one request, after which the page cache holds their
    /// bytes: the union opens them for that request and keeps no descriptor (a job reading a tree would
    /// otherwise keep one, and its blob, for every file it read).
    static let singleReadSize: off_t = 128 << 10
    /// Ring threads of each CPU's queue (``MountOptions/requestRing``): a job's processes on one CPU
    /// mostly wait on one request at a time, and a second thread keeps that CPU answered while the
    /// first waits on the disk.
    static let ringThreadsPerCPU: UInt32 = 2
    /// The longest name Linux filesystems take.
    static let maximumNameLength = Int(NAME_MAX)

    /// `baseDictionary`, when given, is the bottom lower's: that layer is read from it.
    init(upper: FilePath, lowers: [FilePath], work: FilePath, baseDictionary: BaseDictionary? = nil, syncsWrites: Bool = true) {
        var lowerDirectories = lowers.map { LayerDirectory($0.string) }
        if let baseDictionary, let base = lowers.last {
            lowerDirectories[lowerDirectories.count - 1] = LayerDirectory(base.string, tree: DictionaryLayerTree(dictionary: baseDictionary))
        }
        layers = LayerStack(upper: LayerDirectory(upper.string), lowers: lowerDirectories, format: OverlayFormat.detect(for: upper))
        nodes = UnionNodeTable(rootLower: layers.rootLower)
        edits = UpperEdits(upper: layers.upper, work: LayerDirectory(work.string))
        dataDescriptors = DataDescriptorCache()
        self.syncsWrites = syncsWrites
    }

    static func mountOptions(_ union: UnionMountOptions) -> MountOptions {
        var options = MountOptions(fsName: "scorpio-union", subtype: "scorpio-union")
        options.readOnly = false
        options.defaultPermissions = true
        // Served by root, the union is every user's, as a checkout would be (fuse-overlayfs does the same).
        options.allowOther = union.allowOther ?? (geteuid() == 0)
        options.extraOptions = union.fuseOptions
        options.writebackCache = false
        options.spliceRead = true
        options.readdirPlus = .auto
        options.cacheSymlinks = true
        options.negativeTimeout = cacheTimeout
        options.requestRing = true
        options.ringThreads = ringThreadsPerCPU * UInt32(max(1, sysconf(Int32(_SC_NPROCESSORS_CONF))))
        return options
    }

    func destroy() {
        invalidations.use(nil)
        edits.clear()
    }

    // MARK: - Nodes

    func path(of inode: Inode) throws(Errno) -> String {
        guard let path = nodes.path(of: inode) else { throw .noSuchFileOrDirectory }
        return path
    }

    /// Where a node's data lives now; a nameless node (unlinked while in use) is in the scratch space or
    /// still in its lower layer.
    func location(of inode: Inode) throws(Errno) -> EntryLocation {
        guard let node = nodes.node(inode) else { throw .noSuchFileOrDirectory }
        guard let path = nodes.path(of: inode) else {
            if node.isOrphan, let st = edits.work.status(edits.orphanName(inode)) {
                return EntryLocation(RealEntry(layer: .orphan, path: edits.orphanName(inode), directory: edits.work), st)
            }
            guard let lower = node.lower else { throw .noSuchFileOrDirectory }
            return try layers.location(ofLower: lower)
        }
        return try layers.location(of: path, lower: node.lower)
    }

    /// The attributes the union shows for `inode` at `location`.
    func attributes(_ inode: Inode, at location: EntryLocation) -> FileAttributes {
        attributes(inode, at: location, shape: nodes.shape(of: inode))
    }

    private func attributes(_ inode: Inode, at location: EntryLocation, shape: UnionNodeTable.Shape?) -> FileAttributes {
        var attributes = location.attributes(as: inode)
        if case .lower(let layer) = location.entry.layer, !location.isDirectory, location.status.st_nlink > 1 {
            // The names of a hard-linked lower file are separate union inodes (a copy-up breaks the link,
            // as in kernel overlayfs without an index) that share one st_ino until then.
            attributes.serialNumber = lowerLinks.serialNumber(layer: layer, location.status)
        }
        guard let shape else { return attributes }
        if shape.isNameless {
            // Removed while open: its own copy has no name left; a lower entry keeps its count, as
            // kernel overlayfs shows it.
            if location.isWritable { attributes.linkCount = 0 }
        } else if location.isDirectory, shape.lowerDirectories >= (location.upperPath != nil ? 1 : 2) {
            // Kernel overlayfs shows a directory merged from several layers with a link count of 1: it
            // does not count every layer's subdirectories.
            attributes.linkCount = 1
        }
        return attributes
    }

    func entry(_ inode: Inode, at location: EntryLocation) -> Entry {
        let shape = nodes.shape(of: inode)
        return Entry(
            attributes: attributes(inode, at: location, shape: shape), generation: shape?.generation ?? 0,
            attributeTimeout: Self.cacheTimeout, entryTimeout: Self.cacheTimeout)
    }

    /// Looks `name` up in `parent` and registers the node with `lookups` references.
    func resolveChild(_ name: String, in parent: Inode, lookups: UInt64) throws(Errno) -> Entry {
        guard let parentNode = nodes.node(parent), let parentPath = nodes.path(of: parent) else { throw .noSuchFileOrDirectory }
        let found = try layers.child(named: name, inDirectory: parentPath, lower: parentNode.lower)
        let inode = nodes.child(of: parent, named: name, lower: found.lower, upperFile: Self.sharedUpperFile(found.location), lookups: lookups)
        return entry(inode, at: found.location)
    }

    /// The upper inode number of a file with several links there (its names share one union node).
    static func sharedUpperFile(_ location: EntryLocation) -> ino_t? {
        let st = location.status
        guard location.upperPath != nil, !st.isDirectory, st.st_nlink > 1 else { return nil }
        return st.st_ino
    }

    static func checkName(_ name: FilePath.Component) throws(Errno) {
        if name.string.utf8.count > maximumNameLength { throw .fileNameTooLong }
    }

    // MARK: - Lookups and attributes

    func lookup(parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) -> Entry {
        try Self.checkName(name)
        return try namespaceLock.reading { () throws(Errno) -> Entry in try resolveChild(name.string, in: parent, lookups: 1) }
    }

    func forget(inode: Inode, lookups: UInt64) {
        guard let dropped = nodes.forget(inode, lookups) else { return }
        letGo(of: inode, removingOrphan: dropped.isOrphan)
    }

    /// Lets go of what the union kept under a node the table dropped (its descriptor and, if it had one,
    /// its scratch file), then lets the table number a new node with it.
    func letGo(of inode: Inode, removingOrphan: Bool) {
        dataDescriptors.remove(inode)
        if removingOrphan { edits.work.removeTree(edits.orphanName(inode)) }
        nodes.release(inode)
    }

    func getattr(inode: Inode, handle: UInt64?, context: RequestContext) throws(Errno) -> AttributesReply {
        let location = try namespaceLock.reading { () throws(Errno) -> EntryLocation in try self.location(of: inode) }
        return AttributesReply(attributes(inode, at: location), timeout: Self.cacheTimeout)
    }

    func readlink(inode: Inode, context: RequestContext) throws(Errno) -> FilePath {
        let entry = try namespaceLock.reading { () throws(Errno) -> EntryLocation in try self.location(of: inode) }.entry
        return FilePath(try entry.directory.readlink(entry.path))
    }

    func statfs(inode: Inode) throws(Errno) -> FilesystemStatistics {
        guard let statistics = FilesystemStatistics(of: layers.upper.root) else { throw Errno(rawValue: errno) }
        return statistics
    }
}
