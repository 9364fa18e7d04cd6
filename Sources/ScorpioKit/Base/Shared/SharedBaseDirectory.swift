import Foundation
import FuseKit
import Glibc
import SystemPackage

/// One shared base's directory under the bases root, and the locks that coordinate the processes
/// using it. Every lock is an flock(2), so the kernel drops it when its holder dies, SIGKILL included:
///
/// ```
/// {root}/{key}.lock      held exclusively while a base is found, started, leased or stopped
/// {root}/{key}/spec.json what the base serves (written before its server starts)
/// {root}/{key}/server.lock  held exclusively by the base's server for as long as it serves
/// {root}/{key}/info.json the server's pid and what it serves, once it is ready
/// {root}/{key}/mnt/      the read-only mount
/// {root}/{key}/leases/*  one file per lease, each held exclusively by the lease's holder
/// {root}/{key}/git-index/  the base commit's git index, for every job's `.git`
/// {root}/{key}/git-layers/ each distinct `.git` layer of its jobs
/// {root}/{key}.log       what its servers said (kept after the base ends; restarted past 1 MiB)
/// ```
struct SharedBaseDirectory: Sendable {
    let root: FilePath
    let key: String

    var path: FilePath { root.appending(key) }
    var creationLock: FilePath { root.appending("\(key).lock") }
    var spec: FilePath { path.appending("spec.json") }
    var serverLock: FilePath { path.appending("server.lock") }
    var info: FilePath { path.appending("info.json") }
    var mountpoint: FilePath { path.appending("mnt") }
    var leases: FilePath { path.appending("leases") }
    var log: FilePath { root.appending("\(key).log") }
    var gitIndex: FilePath { path.appending("git-index") }
    var gitLayers: FilePath { path.appending("git-layers") }

    /// The directories of every base under `root`.
    static func all(under root: FilePath) -> [SharedBaseDirectory] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.string)) ?? []
        return names.filter { !$0.hasSuffix(".lock") && !$0.hasSuffix(".log") && !$0.hasPrefix(".") }.sorted().map { SharedBaseDirectory(root: root, key: $0) }
    }

    /// Runs `body` holding the base's creation lock. `creatingRoot` false: a root that is gone (its
    /// directories removed from under a base's server) is not made again, nor is a lock file that went
    /// with it (an `rm -rf` of the root removes the lock files before the root, and one made again in
    /// between would stop the removal), and the call throws.
    func withCreationLock<T>(creatingRoot: Bool = true, _ body: () throws -> T) throws -> T {
        if creatingRoot { try FileManager.default.createDirectory(atPath: root.string, withIntermediateDirectories: true) }
        let lock = try FileLock(creationLock, exclusive: true, create: creatingRoot)
        return try withExtendedLifetime(lock) { try body() }
    }

    /// Whether a server holds the server lock (a dead server's lock is free).
    var serverIsAlive: Bool {
        (try? FileLock(serverLock, exclusive: false, wait: false, create: false)) == nil && FileManager.default.fileExists(atPath: serverLock.string)
    }

    /// Whether a live FUSE mount is at `mnt`.
    var isMounted: Bool { MountTable.isLiveFuseMount(mountpoint) }

    /// The leases whose holders still hold them; files of dead holders are removed on the way. A
    /// holder's lock is exclusive and a probe's shared: two processes probing at once (the server at a
    /// lease's release, `scorpio base gc`) do not take each other's probe for a lease.
    func liveLeases() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: leases.string)) ?? []
        return names.filter { name in
            let file = leases.appending(name)
            do {
                let lock = try FileLock(file, exclusive: false, wait: false, create: false)
                unlink(file.string)
                _ = lock
                return false
            } catch .noSuchFileOrDirectory {
                return false  // released since the listing
            } catch {
                return true
            }
        }
    }

    /// Removes the remains of a base that has no server (any more), under its creation lock. A root that
    /// is gone (removed since the base was listed) is not made again.
    func removeRemainsOfServerless() {
        try? withCreationLock(creatingRoot: false) { if !serverIsAlive { removeRemains() } }
    }

    /// Removes a base's remains: its mount (detached, whether its server is dead or done) and its directory.
    func removeRemains() {
        while umount2(mountpoint.string, Int32(MNT_DETACH)) == 0 {}
        try? FileManager.default.removeItem(atPath: path.string)
    }
}

/// An flock(2) on a file, held until the value is dropped.
final class FileLock: Sendable {
    let descriptor: Int32

    /// Locks `path` (created if `create`); without `wait`, fails with EWOULDBLOCK when someone else holds it.
    init(_ path: FilePath, exclusive: Bool, wait: Bool = true, create: Bool = true) throws(Errno) {
        let fd = open(path.string, (create ? O_CREAT : 0) | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        let operation = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB)
        while flock(fd, operation) != 0 {
            if errno == EINTR { continue }
            let error = Errno(rawValue: errno)
            close(fd)
            throw error
        }
        descriptor = fd
    }

    deinit { close(descriptor) }
}
