import Antares
import Dicfuse
import Glibc
import ScorpioTestSupport
import SystemPackage

/// What a script runs against: kernel overlayfs over plain directories (the oracle) or a Scorpio driver.
enum Side: Sendable, CustomStringConvertible {
    case overlayfs
    case scorpio(UnionDriverKind)

    var description: String {
        switch self {
        case .overlayfs: "overlayfs"
        case .scorpio(let driver): "\(driver)"
        }
    }

    /// The fuse driver answers open with ENOSYS (no-open, DESIGN §5): it copies a file up at its first
    /// change rather than at an open for writing.
    var neverSeesOpens: Bool {
        if case .scorpio(.fuse) = self { return true }
        return false
    }
}

/// One side's own copy of the layers (`cp -a` of the built template) and the union mounted over it;
/// unmounted (lazily if busy) when released, whatever happened meanwhile.
final class MountedUnion {
    let side: Side
    let root: FilePath
    var mountpoint: FilePath { root.appending("mnt") }
    private var scorpio: AntaresFuse?
    /// The lowest layer served through Dicfuse's directory source, as a job's base is served; the fuse
    /// driver reads it from the dictionary, as the daemon's unions do, the kernel driver through its mount.
    private var base: InProcessBase?
    private var overlayMounted = false

    init(_ side: Side, layersFrom template: FilePath, in root: FilePath) throws {
        self.side = side
        self.root = root
        try run("mkdir -p '\(root)' && cp -a '\(template)/.' '\(root)/' && mkdir -p '\(root)/work' '\(root)/mnt' '\(root)/store' && chmod 0755 '\(root)' '\(root)/mnt'")
        let lowest = root.appending("lowest"), middle = root.appending("middle"), upper = root.appending("upper")
        switch side {
        case .overlayfs:
            let options = "lowerdir=\(middle):\(lowest),upperdir=\(upper),workdir=\(root.appending("work")),redirect_dir=on,index=off"
            guard Glibc.mount("overlay", mountpoint.string, "overlay", 0, options) == 0 else {
                throw UnionError(message: "mount -t overlay -o \(options) \(mountpoint): \(Errno(rawValue: errno))")
            }
            overlayMounted = true
        case .scorpio(let driver):
            let dicfuse = Dicfuse(source: try DirectoryTreeSource(path: lowest), store: try ContentStore(root: root.appending("store")))
            let base = try InProcessBase(dicfuse, at: root.appending("base"))
            self.base = base
            let union = try AntaresFuse(
                mountpoint: mountpoint,
                layers: UnionLayers(upper: upper, work: root.appending("work"), lowers: [middle, base.mountpoint], baseDictionary: base.dictionary),
                driver: driver)
            try union.mount()
            scorpio = union
        }
    }

    func unmount() throws {
        if let scorpio {
            self.scorpio = nil
            try scorpio.unmount()
        }
        base = nil
        if overlayMounted {
            overlayMounted = false
            guard umount2(mountpoint.string, 0) == 0 else { throw UnionError(message: "umount \(mountpoint): \(Errno(rawValue: errno))") }
        }
    }

    deinit {
        try? scorpio?.unmount(lazy: true)
        base = nil
        if overlayMounted { umount2(mountpoint.string, Int32(MNT_DETACH)) }
    }

    private func run(_ command: String) throws {
        let result = shell(command + " 2>&1")
        guard result.status == 0 else { throw UnionError(message: "\(command): \(result.output)") }
    }
}

struct UnionError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// The scratch directory of one class: a tmpfs of its own mounted on it, where the layers' thousands of
/// small entries are written and removed in milliseconds (a loaded disk takes many seconds), or with
/// CONFORMANCE_ON_DISK a plain directory under /tmp. Mode 0755: every caller reaches the mountpoints
/// and the runner. The tmpfs is unmounted (lazily, with whatever is still mounted inside) when released.
final class ClassScratch {
    private let scratch: Scratch
    private var mounted = false
    var path: FilePath { scratch.path }

    init(onDisk: Bool) throws {
        scratch = try Scratch()
        if onDisk {
            chmod(scratch.path.string, 0o755)
            return
        }
        guard Glibc.mount("tmpfs", scratch.path.string, "tmpfs", 0, "mode=0755") == 0 else {
            throw UnionError(message: "mount -t tmpfs at \(scratch.path): \(Errno(rawValue: errno))")
        }
        mounted = true
    }

    deinit {
        if mounted { umount2(scratch.path.string, Int32(MNT_DETACH)) }
    }
}
