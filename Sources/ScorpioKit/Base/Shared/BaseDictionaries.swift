import Antares
import CSyscalls
import Dicfuse
import FuseKit
import Glibc
import Synchronization
import SystemPackage

/// The dictionaries of shared bases that this process reads directly: a daemon's fuse-driver unions read
/// base entries from them, not through the base's mount (one FUSE round trip per cold file, not two;
/// docs/antares.md). One per base, over the same source, content store and options as its server, its
/// owners as the mount shows them; made by the first job on the base, kept while that base's mount
/// lives, so later jobs find its directories loaded, and dropped once it has ended (a thread woken by
/// the kernel at every change of the mount table looks, while any dictionary is held).
public final class BaseDictionaries: Sendable {
    private struct Held {
        let dictionary: BaseDictionary
        let mountpoint: FilePath
        /// The base mount's device: another once the base has ended or been replaced.
        let device: UInt64

        /// Whether the base's mount is still the one the dictionary was made for.
        var isMounted: Bool {
            var st = stat()
            return stat(mountpoint.string, &st) == 0 && UInt64(st.st_dev) == device
        }
    }

    private let held = Mutex<(bases: [String: Held], watched: Bool)>(([:], false))
    private let sourceErrorHandler: (@Sendable (SourceError) -> Void)?

    /// `sourceErrorHandler` is told what a source failed with (the kernel is only told EIO).
    public init(sourceErrorHandler: (@Sendable (SourceError) -> Void)? = nil) {
        self.sourceErrorHandler = sourceErrorHandler
        LibGit2.stopCachingObjects()
    }

    /// The dictionary of the base `key` mounted at `mountpoint`, serving `source` as `spec` says.
    func dictionary(key: String, mountpoint: FilePath, source: any TreeSource, spec: SharedBaseSpec) throws -> BaseDictionary {
        var root = stat()
        guard stat(mountpoint.string, &root) == 0 else { throw Errno(rawValue: errno) }
        let device = UInt64(root.st_dev)
        let (dictionary, watch) = try held.withLock { held throws -> (BaseDictionary, Bool) in
            _ = Self.dropEnded(&held.bases)
            if let base = held.bases[key], base.device == device { return (base.dictionary, false) }
            var options = spec.dicfuseOptions
            // What the server shows for entries whose source records no owner: its own ids, on the root.
            options.uid = root.st_uid
            options.gid = root.st_gid
            options.sourceErrorHandler = sourceErrorHandler
            let made = Dicfuse(source: source, store: try ContentStore(root: FilePath(spec.storePath)), options: options)
            // The key includes the owner: one dictionary value (and its resolved paths) for every job.
            let dictionary = BaseDictionary(made, owner: spec.owner)
            held.bases[key] = Held(dictionary: dictionary, mountpoint: mountpoint, device: device)
            let watch = !held.watched
            held.watched = true
            return (dictionary, watch)
        }
        if watch { watchForEndedBases() }
        return dictionary
    }

    /// The bases whose dictionaries are held, by key.
    public var heldKeys: [String] { held.withLock { Array($0.bases.keys) } }

    /// Drops the dictionaries of bases that have ended, each time the mount table changes, until none
    /// is held (the next dictionary made watches again).
    private func watchForEndedBases() {
        let failed = startDetachedThread { [weak self] in
            MountTable.watch {
                // Weakly held between changes, so a forgotten `BaseDictionaries` ends the thread.
                guard let self else { return false }
                var (dropped, stillHeld) = self.held.withLock { held -> ([Held], Bool) in
                    let dropped = Self.dropEnded(&held.bases)
                    held.watched = !held.bases.isEmpty
                    return (dropped, held.watched)
                }
                let droppedAny = !dropped.isEmpty
                dropped = []  // freed here, outside the lock
                // A dictionary is many small allocations; give their pages back to the system.
                if droppedAny { malloc_trim(0) }
                return stillHeld
            }
        }
        if failed != nil { held.withLock { $0.watched = false } }  // pruned at the next lease instead
    }

    /// Removes the bases whose mount has ended and returns them.
    private static func dropEnded(_ bases: inout [String: Held]) -> [Held] {
        let ended = bases.filter { _, base in !base.isMounted }
        for key in ended.keys { bases[key] = nil }
        return Array(ended.values)
    }
}
