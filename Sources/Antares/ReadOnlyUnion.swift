import FuseKit
import Glibc
import Synchronization
import SystemPackage

/// Lower layers alone, merged read-only: what overlayfs mounts from a `lowerdir` without an
/// `upperdir` (a container engine's read-only mount of an image's layers). Overlayfs wants two lowers
/// at least for it; fuse-overlayfs takes one as well, and so does this.
public final class ReadOnlyUnion: Sendable {
    public let mountpoint: FilePath
    public let lowers: [FilePath]
    public let driverKind: UnionDriverKind
    private let options: UnionMountOptions
    private let spare: FilePath
    /// The fuse driver's union, its private directory and the lock on that directory (held while the union lives).
    private let mounted = Mutex<(union: AntaresFuse?, scratch: FilePath?, lock: Int32)>((nil, nil, -1))

    /// `spare` holds what the union needs beside its lowers: the fuse driver's private upper and work
    /// directories (made for this union, removed by ``unmount(lazy:)``, or by the next union if its
    /// server was killed), and the empty bottom layer kernel overlayfs is given under a single lower
    /// (kept, for every such mount). Checks the lowers and the mountpoint; nothing is made before
    /// ``mount()``.
    public init(mountpoint: FilePath, lowers: [FilePath], driver: UnionDriverKind, options: UnionMountOptions, spare: FilePath) throws(AntaresError) {
        try AntaresFuse.check(lowers: lowers, mountpoint: mountpoint, naming: mountpoint)
        self.mountpoint = mountpoint
        self.lowers = lowers
        driverKind = driver
        var options = options
        options.readOnly = true
        self.options = options
        self.spare = spare
    }

    public func mount() throws(AntaresError) {
        switch driverKind {
        case .kernel:
            var layers = lowers
            if lowers.count == 1 {
                let bottom = spare.appending("empty-lower")
                do { try makeDirectory(bottom) } catch { throw .layer(bottom, reason: "\(error)") }
                layers.append(bottom)
            }
            try Self.mountOverlay(layers, at: mountpoint, options: options)
        case .fuse:
            let (scratch, lock) = try makeScratch()
            do {
                let layers = UnionLayers(upper: scratch.appending("upper"), work: scratch.appending("work"), lowers: lowers)
                let union = try AntaresFuse(mountpoint: mountpoint, layers: layers, driver: .fuse, options: options)
                mounted.withLock { $0 = (union, scratch, lock) }
                try union.mount()
            } catch {
                mounted.withLock { $0 = (nil, nil, -1) }
                Posix.removeTree(scratch.string)
                close(lock)
                throw error
            }
        }
    }

    /// A new private directory in `spare`, locked for as long as the returned descriptor is open, after
    /// removing those no union holds any more (their servers killed): the kernel drops a dead server's
    /// lock. Sweeping and making hold `spare`'s own lock, so no union's directory is swept before it
    /// is locked.
    private func makeScratch() throws(AntaresError) -> (FilePath, Int32) {
        do { try makeDirectory(spare) } catch { throw .layer(spare, reason: "\(error)") }
        let spareDescriptor = open(spare.string, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard spareDescriptor >= 0 else { throw .layer(spare, reason: "\(Errno(rawValue: errno))") }
        defer { close(spareDescriptor) }
        flock(spareDescriptor, LOCK_EX)
        for entry in (try? Posix.listDirectory(spare.string)) ?? [] where entry.name.hasPrefix("union-") {
            let held = openat(spareDescriptor, entry.name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard held >= 0 else { continue }
            if flock(held, LOCK_EX | LOCK_NB) == 0 { Posix.removeTree(named: entry.name, in: spareDescriptor) }
            close(held)
        }
        var template = Array(spare.appending("union-XXXXXX").string.utf8CString)
        guard let directory = mkdtemp(&template) else { throw .layer(spare, reason: "\(Errno(rawValue: errno))") }
        let scratch = FilePath(platformString: directory)
        let lock = open(scratch.string, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard lock >= 0, flock(lock, LOCK_EX) == 0 else {
            let error = Errno(rawValue: errno)
            Posix.removeTree(scratch.string)
            if lock >= 0 { close(lock) }
            throw .layer(scratch, reason: "cannot lock it: \(error)")
        }
        return (scratch, lock)
    }

    /// Unmounts the union and removes what it made; `lazy` detaches a busy mount instead of failing.
    public func unmount(lazy: Bool = false) throws(AntaresError) {
        let (union, scratch, lock) = mounted.withLock { $0 }
        if let union {
            try union.unmount(lazy: lazy)
        } else if driverKind == .kernel {
            do { try MountTable.unmount(mountpoint, lazy: lazy) } catch .notMounted {} catch { throw .unmount(mountpoint, reason: "\(error)") }
        }
        if let scratch { Posix.removeTree(scratch.string) }
        if lock >= 0 { close(lock) }
        mounted.withLock { $0 = (nil, nil, -1) }
    }

    /// Overlayfs from lowers alone (read-only by nature); lowers in user-xattr format if the kernel
    /// refuses them as trusted ones (a user namespace).
    private static func mountOverlay(_ lowers: [FilePath], at mountpoint: FilePath, options: UnionMountOptions) throws(AntaresError) {
        let lowerdir = "lowerdir=\(lowers.map { OverlayOptionText.escape($0.string) }.joined(separator: ":"))"
        var lastError = Errno.invalidArgument
        for extra in ["", ",userxattr"] {
            if Glibc.mount("overlay", mountpoint.string, "overlay", options.mountFlags, lowerdir + extra) == 0 { return }
            lastError = Errno(rawValue: errno)
        }
        throw .overlayMount(mountpoint, reason: "\(lastError) (\(lowerdir))")
    }
}

/// overlayfs separates lowers with ':' and options with ','; both are escaped with a backslash.
enum OverlayOptionText {
    static func escape(_ path: String) -> String {
        var result = ""
        for character in path {
            if character == ":" || character == "," || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
