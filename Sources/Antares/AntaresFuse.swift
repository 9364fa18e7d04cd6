import FuseKit
import Glibc
import SystemPackage

/// A union of a writable upper directory over read-only lower directories, mounted at `mountpoint` by
/// the chosen driver. Both drivers read and write the same upper format, so a job's upper directory can
/// be re-mounted by either.
public final class AntaresFuse: Sendable {
    public let mountpoint: FilePath
    public let layers: UnionLayers
    public let driverKind: UnionDriverKind
    let driver: any UnionDriver

    public init(
        mountpoint: FilePath, layers: UnionLayers, driver: UnionDriverKind, options: UnionMountOptions = UnionMountOptions()
    ) throws(AntaresError) {
        self.mountpoint = mountpoint
        self.layers = layers
        driverKind = driver
        // The lowers and the mountpoint are checked first: a refused union leaves no upper or work
        // directory behind.
        try Self.check(lowers: layers.lowers, mountpoint: mountpoint, naming: layers.upper)
        try LayerLayout.check(layers)
        for directory in [layers.upper, layers.work] {
            do { try makeDirectory(directory) } catch { throw .layer(directory, reason: "\(error)") }
        }
        if let owner = layers.owner, chown(layers.upper.string, owner.uid, owner.gid) != 0 {
            throw .layer(layers.upper, reason: "cannot give it to \(owner): \(Errno(rawValue: errno))")
        }
        switch driver {
        case .kernel: self.driver = KernelUnionDriver(mountpoint: mountpoint, layers: layers, options: options)
        case .fuse: self.driver = try FuseUnionDriver(mountpoint: mountpoint, layers: layers, options: options)
        }
    }

    /// Mounts the union. `servingNow` false, for a process that mounts and then forks the one that
    /// serves: the fuse driver's union is mounted but not served (its users wait) until ``serve()``, and
    /// no thread runs for it meanwhile; the kernel's union is served either way.
    public func mount(servingNow: Bool) throws(AntaresError) { try driver.mount(servingNow: servingNow) }

    /// Mounts the union and serves it.
    public func mount() throws(AntaresError) { try mount(servingNow: true) }

    /// Starts serving a union mounted with `servingNow: false`, in the process that serves it.
    public func serve() throws(AntaresError) { try driver.serve() }

    /// In the process that mounted the union and forked the one that serves it: lets go of the union,
    /// which this process neither serves nor unmounts from now on.
    public func handedOver() { driver.handedOver() }

    /// At least one lower, each a directory, and a mountpoint a union can take; `subject` is named when
    /// there is no lower at all.
    static func check(lowers: [FilePath], mountpoint: FilePath, naming subject: FilePath) throws(AntaresError) {
        if lowers.isEmpty { throw .layer(subject, reason: "a union needs at least one lower layer") }
        for lower in lowers where !isDirectory(lower) {
            throw .layer(lower, reason: "the lower layer is not a directory")
        }
        do { try FuseMount.checkMountpoint(mountpoint) } catch { throw .overlayMount(mountpoint, reason: error.description) }
    }

    /// Unmounts the union; `lazy` detaches a busy mount instead of failing.
    public func unmount(lazy: Bool = false) throws(AntaresError) { try driver.unmount(lazy: lazy) }

    public var isMounted: Bool { driver.isMounted }

    /// Says the upper is whole after a `volatile` mount (its writes synced, or it was unmounted cleanly
    /// by this process), so it may be mounted again: overlayfs refuses one a volatile mount has marked,
    /// as possibly cut short by a crash.
    public func settleUpper() { driver.settleUpper() }

    /// The requests the FUSE server behind this union has answered (nil for the kernel driver, whose
    /// union the kernel serves, and while unmounted).
    public var requests: RequestCounters? { driver.requests }

    /// Whether the kernel sends this union's requests over io_uring rather than /dev/fuse: the fuse
    /// driver's, where the host offers it (``FuseMount/kernelOffersRequestRing``).
    public var servesOverRing: Bool { driver.servesOverRing }
}

func isDirectory(_ path: FilePath) -> Bool {
    var st = stat()
    return stat(path.string, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR
}

/// `mkdir -p` for the layers.
func makeDirectory(_ path: FilePath) throws(Errno) {
    if isDirectory(path) { return }
    let parent = path.removingLastComponent()
    if !parent.isEmpty && parent != path { try makeDirectory(parent) }
    guard mkdir(path.string, 0o755) == 0 || errno == EEXIST else { throw Errno(rawValue: errno) }
}
