import Dicfuse
import FuseKit
import Glibc
import Synchronization
import SystemPackage

/// Kernel overlayfs over the read-only Dicfuse mount (and the change-list directory): the kernel merges
/// the layers and copies up; the base stays lazy. Needs root, or a user namespace where the kernel
/// allows overlayfs (`userxattr`).
final class KernelUnionDriver: UnionDriver {
    let mountpoint: FilePath
    let dicfuse: Dicfuse
    let layers: UnionLayers
    let options: UnionMountOptions
    private let base = Mutex<FuseMount?>(nil)

    /// Where the base is mounted, inside the private work directory.
    var baseMountpoint: FilePath { layers.work.appending("base") }
    /// overlayfs's own workdir (must be empty and on the upper's filesystem).
    var overlayWork: FilePath { layers.work.appending("overlay") }

    init(mountpoint: FilePath, dicfuse: Dicfuse, layers: UnionLayers, options: UnionMountOptions) {
        self.mountpoint = mountpoint
        self.dicfuse = dicfuse
        self.layers = layers
        self.options = options
    }

    /// The base's requests: the kernel answers the union itself.
    var requests: RequestCounters? { base.withLock { $0?.requests } }

    var isMounted: Bool { base.withLock { $0?.isMounted ?? false } && MountTable.mount(at: mountpoint)?.fileSystemType == "overlay" }

    func mount() throws(AntaresError) {
        for directory in [baseMountpoint, overlayWork] {
            do { try makeDirectory(directory) } catch { throw .layer(directory, reason: "\(error)") }
        }
        let baseMount: FuseMount
        do { baseMount = try dicfuse.mount(at: baseMountpoint, owner: layers.owner) } catch { throw .baseMount("\(error)") }
        do {
            try mountOverlay()
        } catch {
            try? baseMount.unmount(lazy: true)
            throw error
        }
        base.withLock { $0 = baseMount }
    }

    func unmount(lazy: Bool) throws(AntaresError) {
        do {
            try MountTable.unmount(mountpoint, lazy: false)
        } catch .busy where lazy {
            do { try MountTable.unmount(mountpoint, lazy: true) } catch { throw .unmount(mountpoint, reason: "\(error)") }
        } catch .busy {
            throw .busy(mountpoint)
        } catch .notMounted {
            // Already gone; the base still has to go.
        } catch {
            throw .unmount(mountpoint, reason: "\(error)")
        }
        let baseMount = base.withLock { mount in
            defer { mount = nil }
            return mount
        }
        do { try baseMount?.unmount(lazy: true) } catch { throw .unmount(baseMountpoint, reason: "\(error)") }
    }

    /// Mounts overlayfs with the most capable options this kernel and privilege level accept.
    private func mountOverlay() throws(AntaresError) {
        let lowers = ([layers.changeList].compactMap { $0 } + [baseMountpoint]).map { escape($0.string) }
        let common = "lowerdir=\(lowers.joined(separator: ":")),upperdir=\(escape(layers.upper.string)),workdir=\(escape(overlayWork.string))"
        let format = OverlayFormat.detect(for: layers.upper)
        let attempts = format == .trusted
            ? ["redirect_dir=on,index=off,xino=auto", "redirect_dir=on"]
            : ["userxattr,redirect_dir=on", "userxattr"]
        var lastError = Errno.invalidArgument
        for extra in attempts {
            let options = "\(common),\(extra)"
            if Glibc.mount("overlay", mountpoint.string, "overlay", self.options.mountFlags, options) == 0 { return }
            lastError = Errno(rawValue: errno)
        }
        throw .overlayMount(mountpoint, reason: "\(lastError) (lower \(lowers.joined(separator: ":")), upper \(layers.upper))")
    }

    /// overlayfs separates lowers with ':' and options with ','; both are escaped with a backslash.
    private func escape(_ path: String) -> String {
        var result = ""
        for character in path {
            if character == ":" || character == "," || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
