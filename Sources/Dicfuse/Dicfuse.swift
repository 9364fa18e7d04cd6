import FuseKit
import Glibc
import Synchronization
import SystemPackage

/// Choices for a Dicfuse instance.
public struct DicfuseOptions: Sendable {
    /// Owner reported for entries whose source records none (git, Mega), and for every entry when
    /// ``overridesSourceOwners`` is set. By default the serving process's, so an unprivileged kernel
    /// overlay over this base can copy files up.
    public var uid: uid_t = geteuid()
    public var gid: gid_t = getegid()
    /// Whether every entry reports ``uid``/``gid``, even where the source records owners of its own (a
    /// plain directory): the whole base then appears as that user's. Off by default: a directory
    /// source's entries report their own owners, as kernel overlayfs shows them (owners this process
    /// cannot represent, outside its user namespace's map, report the process's own uid/gid).
    public var overridesSourceOwners = false
    /// How long the kernel may cache entries and attributes; base entries never change.
    public var cacheTimeout: Double = 365 * 24 * 3600
    /// Blob descriptors kept open at once; nil: a share of the process's descriptor budget.
    public var openBlobLimit: Int?
    /// How many levels of subdirectories are listed ahead, in the background, below a directory the
    /// kernel looks into (0: strictly on demand).
    public var prefetchDepth = 0
    /// Background threads listing ahead.
    public var prefetchThreads = 2
    /// Told of every error a source gives; the kernel is only told EIO.
    public var sourceErrorHandler: (@Sendable (SourceError) -> Void)?

    public init() {}
}

/// What a Dicfuse instance has done so far.
public struct DicfuseStatistics: Sendable, Equatable {
    /// Directories listed from the source (each at most once).
    public var directoriesLoaded: Int
    /// Entries in the dictionary (the root included).
    public var entries: Int
    /// Bytes the dictionary holds.
    public var dictionaryBytes: Int
    public var store: ContentStore.Counters
}

/// A tree source at one revision as an immutable, lazily loaded dictionary of inodes: a directory is
/// listed on its first lookup or readdir, a blob fetched into the shared content store on its first read.
/// One instance serves any number of mounts (see ``DicfuseManager``).
public final class Dicfuse: @unchecked Sendable {
    public let source: any TreeSource
    public let store: ContentStore
    public let options: DicfuseOptions

    private let lock = ReadWriteLock()
    private var table: InodeTable  // guarded by `lock`
    private let entryAttributes: EntryAttributes
    private let loading = SingleFlight<Int>()
    private let loads = Atomic<Int>(0)
    private let blobs: OpenBlobCache
    private let lastError = Mutex<SourceError?>(nil)
    private var prefetcher: DirectoryPrefetcher!  // set once in init

    public init(source: any TreeSource, store: ContentStore, options: DicfuseOptions = DicfuseOptions()) {
        self.source = source
        self.store = store
        self.options = options
        table = InodeTable(rootID: source.root.objectID, rootSize: source.rootSize, rootMetadata: source.rootMetadata)
        entryAttributes = EntryAttributes(revisionTime: source.revision.time, owners: OwnerPolicy(options))
        blobs = OpenBlobCache(limit: options.openBlobLimit)
        prefetcher = DirectoryPrefetcher(depth: options.prefetchDepth, threads: options.prefetchThreads) { [weak self] inode in
            guard let self else { return nil }
            _ = try? self.loadIfNeeded(inode)
            return self.subdirectories(of: inode)
        }
    }

    deinit { prefetcher.stop() }

    public var statistics: DicfuseStatistics {
        let (entries, bytes) = lock.reading { (table.count, table.byteFootprint) }
        return DicfuseStatistics(directoriesLoaded: loads.load(ordering: .relaxed), entries: entries, dictionaryBytes: bytes, store: store.counts)
    }

    /// The last error a source gave (FUSE can only say EIO; this says why).
    public var lastSourceError: SourceError? { lastError.withLock { $0 } }

    // MARK: - Lookups

    public func attributes(of inode: Inode) throws(Errno) -> FileAttributes {
        let found = lock.reading { () -> FileAttributes? in
            guard let index = InodeTable.index(of: inode), index < table.count else { return nil }
            return entryAttributes.attributes(of: index, in: table)
        }
        guard let found else { throw .noSuchFileOrDirectory }
        return found
    }

    /// The entry `name` of directory `parent`. Names of one hard-linked file of the source share the
    /// inode number of its first name loaded.
    public func lookup(parent: Inode, name: FilePath.Component) throws(Errno) -> FileAttributes {
        try loadOnDemand(parent)
        let found = lock.reading { () -> FileAttributes? in
            guard let child = table.child(of: parent, named: name), let index = InodeTable.index(of: child) else { return nil }
            return entryAttributes.attributes(of: index, in: table)
        }
        guard let found else { throw .noSuchFileOrDirectory }
        return found
    }

    /// The inode at `path` (relative to the served root), loading directories on the way.
    public func resolve(_ path: FilePath) throws(Errno) -> Inode {
        var inode = Inode.root
        for component in path.components where component.kind == .regular {
            inode = try lookup(parent: inode, name: component).inode
        }
        return inode
    }

    /// The children of a directory from position `start` on, with their attributes.
    public func children(of inode: Inode, from start: Int = 0) throws(Errno) -> [(name: FilePath.Component, attributes: FileAttributes)] {
        try loadOnDemand(inode)
        return lock.reading {
            guard let directory = table.record(inode), start < Int(directory.childCount) else { return [] }
            return (start..<Int(directory.childCount)).map { offset in
                let index = Int(directory.firstChild) + offset
                return (table.name(of: table.records[index]), entryAttributes.attributes(of: index, in: table))
            }
        }
    }

    /// The entry's path from the served root (of its first name, for a hard-linked file).
    public func path(of inode: Inode) -> FilePath {
        lock.reading { table.path(of: inode) }
    }

    public func parent(of inode: Inode) -> Inode {
        lock.reading { table.record(inode).map { InodeTable.inode(of: Int($0.parent)) } ?? .root }
    }

    // MARK: - Content

    /// An open descriptor of a file's or symlink's content, fetched into the store on first use.
    public func blob(of inode: Inode) throws(Errno) -> BlobHandle {
        guard let index = InodeTable.index(of: inode) else { throw .noSuchFileOrDirectory }
        let record = try lock.reading { () throws(Errno) -> InodeTable.Record in
            guard let record = table.record(inode) else { throw .noSuchFileOrDirectory }
            guard record.kind.hasContent else { throw record.kind.typeBits == S_IFDIR ? .isDirectory : .invalidArgument }
            guard record.idLength != 0, table.record(InodeTable.inode(of: Int(record.parent))) != nil else { throw .noSuchFileOrDirectory }
            return record
        }
        do {
            return try blobs.handle(for: index) { () throws(SourceError) -> BlobHandle in
                // Names and paths are made only for a blob not open already.
                let parent = InodeTable.inode(of: Int(record.parent))
                let (entry, directory) = lock.reading { () -> (TreeEntry, SourceDirectory) in
                    let entry = TreeEntry(name: table.name(of: record), kind: record.kind.treeEntryKind, objectID: table.objectID(of: record)!, size: record.size)
                    return (entry, SourceDirectory(path: table.path(of: parent), objectID: table.record(parent).flatMap(table.objectID(of:))))
                }
                return try self.openBlob(entry, in: directory)
            }
        } catch {
            report(error)
            throw .ioError
        }
    }

    private func report(_ error: SourceError) {
        lastError.withLock { $0 = error }
        options.sourceErrorHandler?(error)
    }

    public func readlink(_ inode: Inode) throws(Errno) -> FilePath {
        let bytes = try blob(of: inode).readAll()
        let cString = bytes.map { CChar(bitPattern: $0) } + [0]
        return cString.withUnsafeBufferPointer { FilePath(platformString: $0.baseAddress!) }
    }

    private func openBlob(_ entry: TreeEntry, in directory: SourceDirectory) throws(SourceError) -> BlobHandle {
        switch source.location(of: entry, in: directory) {
        case .localFile(let path):
            if entry.kind == .symlink {
                let target: [UInt8]
                do { target = try readSymlink(path) } catch { throw .io(path.string, reason: "\(error)") }
                return try store.open(entry.objectID, fetch: { (fd: FileDescriptor) throws(SourceError) -> UInt64 in
                    do { return UInt64(try fd.writeAll(target)) } catch { throw .io("content store", reason: "\(error)") }
                }, verify: { _, _ throws(SourceError) in true })
            }
            let fd = path.withPlatformString { open($0, O_RDONLY | O_CLOEXEC) }
            guard fd >= 0 else { throw .io(path.string, reason: "\(Errno(rawValue: errno))") }
            return BlobHandle(descriptor: FileDescriptor(rawValue: fd), size: entry.size)
        case .fetch:
            let source = self.source
            return try store.open(
                entry.objectID,
                fetch: { (fd: FileDescriptor) throws(SourceError) -> UInt64 in try source.fetch(entry, in: directory, to: fd) },
                verify: { (fd: FileDescriptor, size: UInt64) throws(SourceError) -> Bool in try source.verify(entry.objectID, content: fd, size: size) })
        }
    }

    // MARK: - Loading

    /// Lists `inode` on behalf of the kernel, and queues what lies below it for listing ahead.
    private func loadOnDemand(_ inode: Inode) throws(Errno) {
        if try loadIfNeeded(inode), prefetcher.depth > 0 {
            prefetcher.loaded(subdirectories: subdirectories(of: inode))
        }
    }

    private func subdirectories(of inode: Inode) -> [Inode] {
        lock.reading {
            guard let directory = table.record(inode) else { return [] }
            let range = Int(directory.firstChild)..<Int(directory.firstChild + directory.childCount)
            return range.filter { table.records[$0].kind == .directory }.map(InodeTable.inode(of:))
        }
    }

    /// Lists `inode` from the source if it has not been; concurrent callers wait for one loader.
    /// Returns whether this call found it unloaded.
    @discardableResult
    private func loadIfNeeded(_ inode: Inode) throws(Errno) -> Bool {
        guard let index = InodeTable.index(of: inode) else { throw .noSuchFileOrDirectory }
        guard let record = lock.reading({ table.record(inode) }) else { throw .noSuchFileOrDirectory }
        guard record.kind == .directory || record.kind == .submodule else { throw .notDirectory }
        if record.state == .loaded { return false }

        do {
            try loading.run(index) { () throws(SourceError) in
                let directory = lock.reading { SourceDirectory(path: table.path(of: inode), objectID: table.objectID(of: record)) }
                let entries = try source.list(directory)
                lock.writing { table.load(entries, into: inode) }
                loads.add(1, ordering: .relaxed)
            }
        } catch {
            report(error)
            throw .ioError
        }
        return true
    }
}
