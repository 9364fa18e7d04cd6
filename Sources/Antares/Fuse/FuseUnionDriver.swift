import Dicfuse
import SystemPackage

/// The union served by our own FUSE server.
final class FuseUnionDriver: UnionDriver {
    init(mountpoint: FilePath, dicfuse: Dicfuse, layers: UnionLayers) throws(AntaresError) {
        throw .overlayMount(mountpoint, reason: "the fuse union driver is not available yet; use the kernel driver")
    }

    func mount() throws(AntaresError) {}
    func unmount(lazy: Bool) throws(AntaresError) {}
    var isMounted: Bool { false }
}
