import Antares
import Glibc
import Synchronization
import SystemPackage

/// A job's hold on a shared base: a file in the base's `leases/` that this process keeps locked. The
/// base stays while any lease is held; the lock goes when the lease is dropped or its holder dies.
public final class SharedBaseLease: BaseLease {
    public let mountpoint: FilePath
    public let identity: String
    /// Whether this lease started the base's server (a cold start) rather than finding it served.
    public let startedTheBase: Bool
    /// The revision the base serves as its source resolved it (a commit id for git).
    public let revisionID: String
    /// The base's own directory: what is kept for every job on the base (a git index) goes there.
    public let directory: FilePath
    /// The base's dictionary held by this process (a daemon's), when it reads the base directly.
    public let dictionary: BaseDictionary?
    private let file: FilePath
    private let lock: FileLock
    private let holder: String

    private static let counter = Atomic<UInt64>(0)

    /// Takes a lease on the base in `directory`; call holding its creation lock (the base's server
    /// counts leases under it before it stops). The file is locked before it appears in `leases/`.
    init(
        on directory: SharedBaseDirectory, identity: String, revisionID: String, holder: String, startedTheBase: Bool,
        dictionary: BaseDictionary? = nil
    ) throws(Errno) {
        let name = "\(getpid())-\(Self.counter.add(1, ordering: .relaxed).newValue)-\(UInt32.random(in: 0...UInt32.max))"
        let pending = directory.path.appending(".lease-\(name)")
        let held = try FileLock(pending, exclusive: true)
        Self.describe(held.descriptor, pid: getpid(), holder: holder)
        lock = held
        self.holder = holder
        file = directory.leases.appending(name)
        guard rename(pending.string, file.string) == 0 else {
            let error = Errno(rawValue: errno)
            unlink(pending.string)
            throw error
        }
        mountpoint = directory.mountpoint
        self.identity = identity
        self.startedTheBase = startedTheBase
        self.revisionID = revisionID
        self.directory = directory.path
        self.dictionary = dictionary
    }

    deinit { unlink(file.string) }

    public func handedOver(to pid: pid_t) {
        Self.describe(lock.descriptor, pid: pid, holder: holder)
    }

    /// Writes `PID HOLDER` as the lease file's whole text (what `scorpio base list` shows of it).
    private static func describe(_ descriptor: Int32, pid: pid_t, holder: String) {
        let text = Array("\(pid) \(holder)\n".utf8)
        let written = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        if written == text.count { ftruncate(descriptor, off_t(text.count)) }
    }
}
