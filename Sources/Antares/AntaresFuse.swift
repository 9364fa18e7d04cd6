import Dicfuse
import FuseKit
import Glibc
import SystemPackage

/// A union of a writable upper directory over an optional change-list directory over a Dicfuse base,
/// mounted at `mountpoint` by the chosen driver. Both drivers read and write the same upper format, so a
/// job's upper directory can be re-mounted by either.
public final class AntaresFuse: Sendable {
    public let mountpoint: FilePath
    public let layers: UnionLayers
    public let driverKind: UnionDriverKind
    private let driver: any UnionDriver

    public init(
        mountpoint: FilePath, dicfuse: Dicfuse, layers: UnionLayers, driver: UnionDriverKind, options: UnionMountOptions = UnionMountOptions()
    ) throws(AntaresError) {
        self.mountpoint = mountpoint
        self.layers = layers
        driverKind = driver
        for directory in [layers.upper, layers.work] {
            do { try makeDirectory(directory) } catch { throw .layer(directory, reason: "\(error)") }
        }
        if let owner = layers.owner, chown(layers.upper.string, owner.uid, owner.gid) != 0 {
            throw .layer(layers.upper, reason: "cannot give it to \(owner): \(Errno(rawValue: errno))")
        }
        if let changeList = layers.changeList, !isDirectory(changeList) {
            throw .layer(changeList, reason: "the change-list layer is not a directory")
        }
        switch driver {
        case .kernel: self.driver = KernelUnionDriver(mountpoint: mountpoint, dicfuse: dicfuse, layers: layers, options: options)
        case .fuse: self.driver = try FuseUnionDriver(mountpoint: mountpoint, dicfuse: dicfuse, layers: layers, options: options)
        }
    }

    public func mount() throws(AntaresError) { try driver.mount() }

    /// Unmounts the union and its base; `lazy` detaches a busy mount instead of failing.
    public func unmount(lazy: Bool = false) throws(AntaresError) { try driver.unmount(lazy: lazy) }

    public var isMounted: Bool { driver.isMounted }

    /// The requests the FUSE server behind this union has answered (for the kernel driver, its base's);
    /// nil while unmounted.
    public var requests: RequestCounters? { driver.requests }
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
