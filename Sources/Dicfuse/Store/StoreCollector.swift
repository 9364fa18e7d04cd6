import Glibc
import SystemPackage

/// What a garbage collection of the content store did.
public struct StoreCollection: Sendable, Equatable {
    public var blobsBefore = 0
    public var bytesBefore: UInt64 = 0
    public var removed = 0
    public var bytesFreed: UInt64 = 0
    /// Blobs that would have gone but are open (shared-locked) by a mount.
    public var skippedInUse = 0
    /// Abandoned partial fetches removed from `tmp/`.
    public var temporaryFilesRemoved = 0

    public var bytesAfter: UInt64 { bytesBefore - bytesFreed }
}

extension ContentStore {
    /// Figures of the store as it is on disk.
    public func usage() -> (blobs: Int, bytes: UInt64) {
        let blobs = storedBlobs()
        return (blobs.count, blobs.reduce(0) { $0 + $1.size })
    }

    /// Trims the store to at most `maxBytes`, least recently used blobs first, never removing a blob a
    /// mount has open (it holds a shared lock; this takes an exclusive one or leaves the blob). Partial
    /// fetches older than `staleAfter` seconds are removed too.
    public func collectGarbage(maxBytes: UInt64, staleAfter: Int = 3600) -> StoreCollection {
        var report = StoreCollection()
        let blobs = storedBlobs().sorted { ($0.lastUse.tv_sec, $0.lastUse.tv_nsec) < ($1.lastUse.tv_sec, $1.lastUse.tv_nsec) }
        report.blobsBefore = blobs.count
        report.bytesBefore = blobs.reduce(0) { $0 + $1.size }
        var total = report.bytesBefore
        for blob in blobs where total > maxBytes {
            let fd = blob.path.withPlatformString { Glibc.open($0, O_RDONLY | O_CLOEXEC) }
            guard fd >= 0 else { continue }
            defer { close(fd) }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                report.skippedInUse += 1
                continue
            }
            if blob.path.withPlatformString({ unlink($0) }) == 0 {
                report.removed += 1
                report.bytesFreed += blob.size
                total -= blob.size
            }
        }
        let now = time(nil)
        for file in listDirectory(temporaryDirectory) where now - file.status.st_mtim.tv_sec > staleAfter {
            if file.path.withPlatformString({ unlink($0) }) == 0 { report.temporaryFilesRemoved += 1 }
        }
        return report
    }

    private struct StoredBlob {
        let path: FilePath
        let size: UInt64
        let lastUse: timespec
    }

    private func storedBlobs() -> [StoredBlob] {
        listDirectory(objectsDirectory).flatMap { fanout in
            fanout.status.st_mode & S_IFMT == S_IFDIR
                ? listDirectory(fanout.path).map { StoredBlob(path: $0.path, size: UInt64($0.status.st_size), lastUse: $0.status.st_atim) }
                : []
        }
    }
}

/// The entries of a directory with their `lstat`, "." and ".." left out.
func listDirectory(_ path: FilePath) -> [(path: FilePath, status: stat)] {
    guard let stream = path.withPlatformString({ opendir($0) }) else { return [] }
    defer { closedir(stream) }
    var result: [(FilePath, stat)] = []
    while let item = readdir(stream) {
        let name = withUnsafeBytes(of: item.pointee.d_name) { raw in
            FilePath.Component(platformString: raw.bindMemory(to: CChar.self).baseAddress!)
        }
        guard let name, name != ".", name != ".." else { continue }
        let child = path.appending(name)
        var st = stat()
        if child.withPlatformString({ lstat($0, &st) }) == 0 { result.append((child, st)) }
    }
    return result
}
