import CSyscalls
import FuseKit
import Glibc
import Synchronization
import SystemPackage

/// Blobs fetched from tree sources, kept on local disk and shared by every mount, job and process that
/// uses the same `store_path`.
///
/// Layout: `objects/ab/cdef…` named by object id, written to `tmp/` first, verified, then renamed into
/// place, so a reader never sees a partial blob and concurrent writers (threads or processes) agree.
/// Within one process, concurrent first reads of a blob fetch it once.
public final class ContentStore: Sendable {
    public let root: FilePath
    let objectsDirectory: FilePath
    let temporaryDirectory: FilePath
    private let fetches = SingleFlight<ObjectID>()
    private let counters = Mutex(Counters())

    public struct Counters: Sendable, Equatable {
        /// Blobs fetched from a source and stored.
        public var fetched = 0
        /// Bytes of those blobs.
        public var fetchedBytes: UInt64 = 0
        /// Opens served by a blob already in the store.
        public var hits = 0
    }

    public var counts: Counters { counters.withLock { $0 } }

    public init(root: FilePath) throws(SourceError) {
        self.root = root
        objectsDirectory = root.appending("objects")
        temporaryDirectory = root.appending("tmp")
        for directory in [root, objectsDirectory, temporaryDirectory] {
            do { try makeDirectories(directory) } catch { throw .io(directory.string, reason: "cannot create the content store: \(error)") }
        }
    }

    public func path(of id: ObjectID) -> FilePath {
        let hex = id.hex
        return objectsDirectory.appending(String(hex.prefix(2))).appending(String(hex.dropFirst(2)))
    }

    /// Opens the blob `id`, fetching it with `fetch` (and checking it with `verify`) if the store lacks it.
    public func open(
        _ id: ObjectID,
        fetch: (FileDescriptor) throws(SourceError) -> UInt64,
        verify: (FileDescriptor, UInt64) throws(SourceError) -> Bool
    ) throws(SourceError) -> BlobHandle {
        if let handle = openStored(id) {
            counters.withLock { $0.hits += 1 }
            return handle
        }
        try fetches.run(id) { () throws(SourceError) in
            if access(path(of: id).string, F_OK) != 0 { try store(id, fetch: fetch, verify: verify) }
        }
        guard let handle = openStored(id) else {
            throw .io(path(of: id).string, reason: "stored blob vanished (removed by garbage collection?)")
        }
        return handle
    }

    /// How stale a blob's recorded last use may be, in seconds.
    static let lastUseResolution = 600

    private func openStored(_ id: ObjectID) -> BlobHandle? {
        let descriptor = path(of: id).withPlatformString { Glibc.open($0, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else { return nil }
        // Shared lock: in use. Garbage collection takes an exclusive one and skips what it cannot get.
        flock(descriptor, LOCK_SH)
        var st = stat()
        fstat(descriptor, &st)
        // atime = last use, for garbage collection; kept to the minute it needs, so reading a blob over
        // and over does not write its inode each time.
        if time(nil) - st.st_atim.tv_sec >= Self.lastUseResolution {
            var times = [timespec(tv_sec: 0, tv_nsec: scorpio_utime_now), timespec(tv_sec: 0, tv_nsec: scorpio_utime_omit)]
            futimens(descriptor, &times)
        }
        return BlobHandle(descriptor: FileDescriptor(rawValue: descriptor), size: UInt64(st.st_size))
    }

    private func store(
        _ id: ObjectID,
        fetch: (FileDescriptor) throws(SourceError) -> UInt64,
        verify: (FileDescriptor, UInt64) throws(SourceError) -> Bool
    ) throws(SourceError) {
        let final = path(of: id)
        let pattern = Array(temporaryDirectory.appending("\(id.hex).XXXXXX").string.utf8CString)
        var template = pattern
        var fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd < 0 && errno == ENOENT, (try? makeDirectories(temporaryDirectory)) != nil {
            // The store was removed under a server still using it: it is made again, empty.
            template = pattern
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        }
        guard fd >= 0 else { throw .io(temporaryDirectory.string, reason: "cannot create a file in the content store: \(Errno(rawValue: errno))") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let temporaryPath = template.withUnsafeBufferPointer { FilePath(platformString: $0.baseAddress!) }
        let descriptor = FileDescriptor(rawValue: fd)
        var kept = false
        defer {
            try? descriptor.close()
            if !kept { _ = temporaryPath.withPlatformString { unlink($0) } }
        }
        let size = try fetch(descriptor)
        guard try verify(descriptor, size) else {
            throw .corruptObject(id, reason: "fetched content does not match its id (\(size) bytes)")
        }
        fchmod(fd, 0o444)
        do { try makeDirectories(final.removingLastComponent()) } catch { throw .io(final.string, reason: "\(error)") }
        guard rename(temporaryPath.string, final.string) == 0 else {
            throw .io(final.string, reason: "cannot move the fetched blob into place: \(Errno(rawValue: errno))")
        }
        kept = true
        counters.withLock {
            $0.fetched += 1
            $0.fetchedBytes += size
        }
    }
}

/// `mkdir -p`.
func makeDirectories(_ path: FilePath, mode: mode_t = 0o755) throws(Errno) {
    if path.isEmpty || path.withPlatformString({ mkdir($0, mode) }) == 0 || errno == EEXIST { return }
    guard errno == ENOENT, !path.removingLastComponent().isEmpty else { throw Errno(rawValue: errno) }
    try makeDirectories(path.removingLastComponent(), mode: mode)
    if path.withPlatformString({ mkdir($0, mode) }) != 0 && errno != EEXIST { throw Errno(rawValue: errno) }
}
