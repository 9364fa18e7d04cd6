import FuseKit
import Glibc
import SystemPackage

/// Kernel overlayfs over the lower directories (a job's change list over its shared base mount): the
/// kernel merges the layers and copies up, the base stays lazy, and every job on a base reads the same
/// page cache. No process serves the union itself. Needs root, or a user namespace where the kernel
/// allows overlayfs (`userxattr`).
final class KernelUnionDriver: UnionDriver {
    let mountpoint: FilePath
    let layers: UnionLayers
    let options: UnionMountOptions

    /// overlayfs's own workdir (must be empty and on the upper's filesystem).
    var overlayWork: FilePath { layers.work.appending("overlay") }

    init(mountpoint: FilePath, layers: UnionLayers, options: UnionMountOptions) {
        self.mountpoint = mountpoint
        self.layers = layers
        self.options = options
    }

    var requests: RequestCounters? { nil }
    var servesOverRing: Bool { false }

    var isMounted: Bool { MountTable.mount(at: mountpoint)?.fileSystemType == "overlay" }

    /// The kernel serves the union from its mount on.
    func mount(servingNow: Bool) throws(AntaresError) {
        do { try makeDirectory(overlayWork) } catch { throw .layer(overlayWork, reason: "\(error)") }
        try mountOverlay()
    }

    func serve() {}

    func handedOver() {}

    func unmount(lazy: Bool) throws(AntaresError) {
        do {
            try MountTable.unmount(mountpoint, lazy: false)
        } catch .busy where lazy {
            do { try MountTable.unmount(mountpoint, lazy: true) } catch { throw .unmount(mountpoint, reason: "\(error)") }
        } catch .busy {
            throw .busy(mountpoint)
        } catch .notMounted {
            // Already gone.
        } catch {
            throw .unmount(mountpoint, reason: "\(error)")
        }
    }

    /// Mounts overlayfs with the most capable options this kernel and privilege level accept.
    private func mountOverlay() throws(AntaresError) {
        let lowers = layers.lowers.map { OverlayOptionText.escape($0.string) }
        let upper = OverlayOptionText.escape(layers.upper.string), work = OverlayOptionText.escape(overlayWork.string)
        let common = "lowerdir=\(lowers.joined(separator: ":")),upperdir=\(upper),workdir=\(work)"
        let format = OverlayFormat.detect(for: layers.upper)
        let capable = format == .trusted
            ? ["redirect_dir=on,index=off,xino=auto", "redirect_dir=on"]
            : ["userxattr,redirect_dir=on", "userxattr"]
        // Kernels before 5.10 know no `volatile`: their unions sync as any other.
        let attempts = options.volatile ? capable.map { "\($0),volatile" } + capable : capable
        var lastError = Errno.invalidArgument
        for extra in attempts {
            let options = "\(common),\(extra)"
            if Glibc.mount("overlay", mountpoint.string, "overlay", self.options.mountFlags, options) == 0 { return }
            lastError = Errno(rawValue: errno)
        }
        throw .overlayMount(mountpoint, reason: "\(lastError) (lower \(lowers.joined(separator: ":")), upper \(layers.upper))")
    }

    /// overlayfs refuses a workdir an earlier `volatile` mount has marked, as a sign that its upper may
    /// have lost writes to a crash; told the upper is whole, the driver removes the mark.
    func settleUpper() {
        Posix.removeTree(overlayWork.appending("work/incompat/volatile").string)
    }
}
