import Glibc
import SystemPackage

/// A job's hold on its `.git` layer: a shared flock(2) on `{layer cache}/.holds/{layer}`, kept by the
/// process that serves the job's union for as long as the union may read the layer. The kernel drops
/// the lock when that process dies, SIGKILL included, so a layer no live job needs is never kept held.
final class GitLayerHold: Sendable {
    let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// Holds layer `name` of `layerCache`; nil if the hold file cannot be made (the layer then only
    /// escapes pruning by being the newest).
    static func take(_ name: String, in layerCache: FilePath) -> GitLayerHold? {
        guard let descriptor = GitLayerHolds(layerCache: layerCache).lock(name, operation: LOCK_SH) else { return nil }
        return GitLayerHold(descriptor: descriptor)
    }
}

/// The holds on the `.git` layers of one layer cache, and the pruning of layers no job holds: a base
/// whose host repository's refs change before every job makes a layer per job, and a busy runner's base
/// may never end, so each new layer prunes the old ones nobody reads any more.
struct GitLayerHolds {
    let layerCache: FilePath
    var directory: FilePath { layerCache.appending(".holds") }

    /// Removes every layer of the cache but `keeping` that no job holds, with its hold file and the
    /// host-state records naming it. Returns the names removed.
    @discardableResult
    func prune(keeping: String) -> [String] {
        let entries = ((try? Posix.listDirectory(layerCache.string)) ?? []).map(\.name)
        let names = entries.filter { !$0.hasPrefix(".") && $0 != keeping && isDirectory(layerCache.appending($0)) }
        var removed: [String] = []
        for name in names {
            // Exclusive and at once, or not at all: a job holds it (or is taking it).
            guard let descriptor = lock(name, operation: LOCK_EX | LOCK_NB) else { continue }
            let trash = layerCache.appending(".pruned-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            let moved = rename(layerCache.appending(name).string, trash.string) == 0
            // Unlinked while locked: a job waiting on this file finds it replaced and takes the new one.
            unlink(directory.appending(name).string)
            close(descriptor)
            if moved {
                Posix.removeTree(trash.string)
                removed.append(name)
            }
        }
        if !removed.isEmpty { HostStateRecords(layerCache: layerCache).forget(layers: Set(removed)) }
        // What a pruner or a job making a layer left when it died mid-way.
        for name in entries where Self.isLeftover(name) { Posix.removeTree(layerCache.appending(name).string) }
        // Hold files of layers that never came to be (a job that failed to make one, a record that
        // named a pruned layer), unless a job is making that layer now.
        let holds = ((try? Posix.listDirectory(directory.string)) ?? []).map(\.name)
        for name in holds where name != keeping && !isDirectory(layerCache.appending(name)) {
            guard let descriptor = lock(name, operation: LOCK_EX | LOCK_NB) else { continue }
            if !isDirectory(layerCache.appending(name)) { unlink(directory.appending(name).string) }
            close(descriptor)
        }
        return removed
    }

    /// Where this process writes layer `name` before renaming it into place.
    func staging(_ name: String) -> FilePath {
        layerCache.appending(".\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max))")
    }

    /// A layer being removed (`.pruned-{layer}-{pid}-{n}`) or made (``staging(_:)``) by a process that
    /// has ended.
    private static func isLeftover(_ name: String) -> Bool {
        let pid: Substring?
        if name.hasPrefix(".pruned-") {
            let parts = name.split(separator: "-")
            pid = parts.count == 4 ? parts[2] : nil
        } else if name.hasPrefix(".") {
            let parts = name.dropFirst().split(separator: ".")
            pid = parts.count == 3 ? parts[1] : nil
        } else {
            pid = nil
        }
        guard let pid, let number = Int32(pid) else { return false }
        return !ProcessLiveness.isAlive(number)
    }

    /// Locks the hold file of layer `name`, retrying while a pruner replaces it: the lock returned is on
    /// the file the path names now. Nil when it cannot be opened or (non-blocking) is held elsewhere.
    fileprivate func lock(_ name: String, operation: Int32) -> Int32? {
        let path = directory.appending(name).string
        while true {
            var descriptor = open(path, O_RDWR | O_CLOEXEC | O_CREAT, 0o644)
            if descriptor < 0 && errno == ENOENT, (try? makeDirectory(directory)) != nil {
                descriptor = open(path, O_RDWR | O_CLOEXEC | O_CREAT, 0o644)
            }
            guard descriptor >= 0 else { return nil }
            var result = flock(descriptor, operation)
            while result != 0 && errno == EINTR { result = flock(descriptor, operation) }
            guard result == 0 else {
                close(descriptor)
                return nil
            }
            if let locked = try? Posix.fstat(descriptor), let current = Posix.lstat(path),
                locked.st_ino == current.st_ino && locked.st_dev == current.st_dev
            {
                return descriptor
            }
            close(descriptor)
        }
    }
}
