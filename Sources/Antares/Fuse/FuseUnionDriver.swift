import FuseKit
import Glibc
import Synchronization
import SystemPackage

/// The union served by our own FUSE server (``UnionFilesystem``): needs nothing but `/dev/fuse`.
final class FuseUnionDriver: UnionDriver {
    let mountpoint: FilePath
    let layers: UnionLayers
    let options: UnionMountOptions
    let filesystem: UnionFilesystem
    private let mounted = Mutex<FuseMount?>(nil)

    /// The union's scratch space for copy-ups, inside the layers' work directory.
    var unionWork: FilePath { layers.work.appending("union") }

    init(mountpoint: FilePath, layers: UnionLayers, options: UnionMountOptions) throws(AntaresError) {
        self.mountpoint = mountpoint
        self.layers = layers
        self.options = options
        guard isDirectory(layers.upper) else { throw .layer(layers.upper, reason: "the upper layer is not a directory") }
        filesystem = UnionFilesystem(
            upper: layers.upper, lowers: layers.lowers, work: layers.work.appending("union"), baseDictionary: layers.baseDictionary,
            syncsWrites: !options.volatile)
    }

    var isMounted: Bool { mounted.withLock { $0?.isMounted ?? false } }

    /// Requests answered so far by kind: what the kernel's caches did not absorb.
    var requestCounts: [FuseOperation: Int] { mounted.withLock { $0?.requests.snapshot ?? [:] } }

    var requests: RequestCounters? { mounted.withLock { $0?.requests } }

    var servesOverRing: Bool { mounted.withLock { $0?.servesOverRing ?? false } }

    /// The fuse union leaves no mark on its work directory.
    func settleUpper() {}

    func mount(servingNow: Bool) throws(AntaresError) {
        // Leftovers of an interrupted copy-up are never part of the union.
        Posix.removeTree(unionWork.string)
        do { try makeDirectory(unionWork) } catch { throw .layer(unionWork, reason: "\(error)") }
        let mount: FuseMount
        do {
            mount = try FuseMount(filesystem, at: mountpoint, options: UnionFilesystem.mountOptions(options), servingNow: servingNow)
        } catch {
            throw .overlayMount(mountpoint, reason: "\(error)")
        }
        filesystem.invalidations.use(mount.notifier)
        mounted.withLock { $0 = mount }
    }

    func serve() throws(AntaresError) {
        guard let mount = mounted.withLock({ $0 }) else { return }
        do { try mount.serve() } catch { throw .overlayMount(mountpoint, reason: "\(error)") }
    }

    func handedOver() {
        mounted.withLock { mount in
            mount?.relinquish()
            mount = nil
        }
    }

    func unmount(lazy: Bool) throws(AntaresError) {
        guard let mount = mounted.withLock({ $0 }) else { return }
        do {
            try mount.unmount(lazy: lazy)
        } catch .busy {
            throw .busy(mountpoint)
        } catch {
            throw .unmount(mountpoint, reason: "\(error)")
        }
        mounted.withLock { $0 = nil }
    }
}
