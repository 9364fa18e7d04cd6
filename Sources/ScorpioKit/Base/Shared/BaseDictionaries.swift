import Antares
import Dicfuse
import Glibc
import Synchronization
import SystemPackage

/// The dictionaries of shared bases that this process reads directly: a daemon's fuse-driver unions read
/// base entries from them, not through the base's mount (one FUSE round trip per cold file, not two;
/// docs/antares.md). One per base, over the same source, content store and options as its server, its
/// owners as the mount shows them; made by the first job on the base, kept while that base's mount
/// lives, so later jobs find its directories loaded.
public final class BaseDictionaries: Sendable {
    private struct Held {
        let dicfuse: Dicfuse
        let mountpoint: FilePath
        /// The base mount's device: another once the base has ended or been replaced.
        let device: UInt64
    }

    private let held = Mutex<[String: Held]>([:])
    private let sourceErrorHandler: (@Sendable (SourceError) -> Void)?

    /// `sourceErrorHandler` is told what a source failed with (the kernel is only told EIO).
    public init(sourceErrorHandler: (@Sendable (SourceError) -> Void)? = nil) {
        self.sourceErrorHandler = sourceErrorHandler
    }

    /// The dictionary of the base `key` mounted at `mountpoint`, serving `source` as `spec` says.
    func dictionary(key: String, mountpoint: FilePath, source: any TreeSource, spec: SharedBaseSpec) throws -> BaseDictionary {
        var root = stat()
        guard stat(mountpoint.string, &root) == 0 else { throw Errno(rawValue: errno) }
        let device = UInt64(root.st_dev)
        let dicfuse = try held.withLock { held throws -> Dicfuse in
            held = held.filter { _, base in Self.device(of: base.mountpoint) == base.device }
            if let base = held[key], base.device == device { return base.dicfuse }
            var options = spec.dicfuseOptions
            // What the server shows for entries whose source records no owner: its own ids, on the root.
            options.uid = root.st_uid
            options.gid = root.st_gid
            options.sourceErrorHandler = sourceErrorHandler
            let made = Dicfuse(source: source, store: try ContentStore(root: FilePath(spec.storePath)), options: options)
            held[key] = Held(dicfuse: made, mountpoint: mountpoint, device: device)
            return made
        }
        return BaseDictionary(dicfuse, owner: spec.owner)
    }

    /// The bases whose dictionaries are held, by key.
    public var heldKeys: [String] { held.withLock { Array($0.keys) } }

    private static func device(of path: FilePath) -> UInt64? {
        var st = stat()
        return stat(path.string, &st) == 0 ? UInt64(st.st_dev) : nil
    }
}
