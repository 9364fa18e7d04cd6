import Dicfuse
import FuseKit
import SystemPackage

/// The two ways Antares can serve a union.
public enum UnionDriverKind: String, Sendable, CaseIterable {
    /// Our own union in the FUSE server: needs nothing but `/dev/fuse`.
    case fuse
    /// Kernel overlayfs over the lower directories: the kernel merges and copies up.
    case kernel
}

/// The directories of one union.
public struct UnionLayers: Sendable, Equatable {
    /// The job's writes, in kernel overlayfs's format (see ``OverlayFormat``).
    public var upper: FilePath
    /// Private scratch space of the driver, on the same filesystem as `upper` (copy-ups are prepared
    /// here and renamed into place; the kernel driver keeps overlayfs's workdir here).
    public var work: FilePath
    /// The read-only layers below the upper, topmost first, in the same format: a job's change list,
    /// then its base (a shared Dicfuse mount of the revision, see ``BaseLease``), or any directories.
    public var lowers: [FilePath]
    /// The build user the upper's root is given to (the lower layers must show as theirs already);
    /// nil leaves it as it is.
    public var owner: FileOwner?
    /// The dictionary of the bottom lower (the base), when this process holds it: the fuse driver then
    /// reads the base from it, with no request to the base's mount; the kernel driver reads the mount.
    public var baseDictionary: BaseDictionary?

    public init(upper: FilePath, work: FilePath, lowers: [FilePath], owner: FileOwner? = nil, baseDictionary: BaseDictionary? = nil) {
        self.upper = upper
        self.work = work
        self.lowers = lowers
        self.owner = owner
        self.baseDictionary = baseDictionary
    }
}

/// Why a union could not be mounted or unmounted; each case names the path.
public enum AntaresError: Error, Equatable, CustomStringConvertible {
    case layer(FilePath, reason: String)
    case baseMount(String)
    case overlayMount(FilePath, reason: String)
    case unmount(FilePath, reason: String)
    case busy(FilePath)

    public var description: String {
        switch self {
        case .layer(let path, let reason): "layer \(path): \(reason)"
        case .baseMount(let reason): "mounting the base failed: \(reason)"
        case .overlayMount(let path, let reason): "mounting the union at \(path) failed: \(reason)"
        case .unmount(let path, let reason): "unmounting \(path) failed: \(reason)"
        case .busy(let path): "\(path) is busy (a process has a file or its working directory there)"
        }
    }
}

/// What each driver does.
protocol UnionDriver: Sendable {
    /// `servingNow` false: a union this process's server serves waits for ``serve()`` (see
    /// ``AntaresFuse/mount(servingNow:)``).
    func mount(servingNow: Bool) throws(AntaresError)
    func serve() throws(AntaresError)
    /// This process lets go of the union: another one, forked after the mount, serves it.
    func handedOver()
    func unmount(lazy: Bool) throws(AntaresError)
    var isMounted: Bool { get }
    /// The requests counted by the FUSE server this driver runs (nil for the kernel's union or while unmounted).
    var requests: RequestCounters? { get }
    /// Whether the kernel sends the union's requests over io_uring (the fuse driver, where the host offers it).
    var servesOverRing: Bool { get }
    /// The upper is whole (synced, or left by this process's clean unmount): a volatile mount's upper may
    /// be mounted again.
    func settleUpper()
}
