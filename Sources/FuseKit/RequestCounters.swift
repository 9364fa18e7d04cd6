import Synchronization

/// The request kinds the kernel sends a filesystem.
public enum FuseOperation: String, CaseIterable, Sendable {
    case lookup, forget, getattr, setattr, readlink, mknod, mkdir, unlink, rmdir, symlink, rename, link
    case open, create, read, write, flush, release, fsync, fallocate, lseek
    case opendir, readdir, readdirplus, releasedir, fsyncdir
    case statfs, access, setxattr, getxattr, listxattr, removexattr
}

/// How many requests of each kind a mount has answered: what the kernel's caches did not absorb.
public final class RequestCounters: Sendable {
    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    private let counters: [Counter] = FuseOperation.allCases.map { _ in Counter() }
    private let readBytes = Counter()
    private let writtenBytes = Counter()
    private static let positions = Dictionary(uniqueKeysWithValues: FuseOperation.allCases.enumerated().map { ($1, $0) })

    func record(_ operation: FuseOperation) {
        counters[Self.positions[operation]!].value.add(1, ordering: .relaxed)
    }

    func recordRead(bytes: Int) {
        readBytes.value.add(bytes, ordering: .relaxed)
    }

    func recordWritten(bytes: Int) {
        writtenBytes.value.add(bytes, ordering: .relaxed)
    }

    /// Bytes answered to reads (for replies from a descriptor, the bytes asked of it).
    public var bytesRead: Int { readBytes.value.load(ordering: .relaxed) }
    /// Bytes the filesystem accepted from writes.
    public var bytesWritten: Int { writtenBytes.value.load(ordering: .relaxed) }

    public subscript(_ operation: FuseOperation) -> Int {
        counters[Self.positions[operation]!].value.load(ordering: .relaxed)
    }

    /// Every kind with a non-zero count.
    public var snapshot: [FuseOperation: Int] {
        var result: [FuseOperation: Int] = [:]
        for operation in FuseOperation.allCases where self[operation] > 0 { result[operation] = self[operation] }
        return result
    }
}
