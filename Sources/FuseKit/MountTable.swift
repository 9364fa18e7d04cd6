import CSyscalls
import Glibc
import SystemPackage

/// One line of `/proc/self/mountinfo`.
public struct MountInfo: Sendable, Equatable {
    /// The mount's id (what `statx` reports as `stx_mnt_id`), unique among the mounts that exist.
    public var id: UInt64
    public var mountpoint: FilePath
    public var fileSystemType: String
    public var source: String
    /// The device `major:minor`; for FUSE the minor number names the connection in `/sys/fs/fuse/connections`.
    public var deviceMajor: UInt32
    public var deviceMinor: UInt32

    public var isFuse: Bool { fileSystemType == "fuse" || fileSystemType.hasPrefix("fuse.") }
}

/// The kernel's mount table as this process sees it, and the operations on mounts FuseKit needs.
public enum MountTable {
    /// Every mount in this process's mount namespace, in mount order.
    public static func entries() -> [MountInfo] {
        lines().compactMap { parse(fields(of: $0)) }
    }

    /// The topmost mount at `path`, if `path` is a mountpoint.
    public static func mount(at path: FilePath) -> MountInfo? {
        let resolved = canonical(path)
        // A path the kernel says is no mount's root needs no table (a dead FUSE mount's path fails the
        // `statx`, and is looked for in the table).
        var id: UInt64 = 0
        if resolved.withPlatformString({ scorpio_mount_root_id($0, &id) }) == 0 { return nil }
        // Compared as mountinfo writes it, so only the matching line is decoded.
        let target = escape(resolved.string)
        for line in lines().reversed() {
            let fields = fields(of: line)
            if fields.count > 4, fields[4].elementsEqual(target) { return parse(fields) }
        }
        return nil
    }

    private typealias Line = ArraySlice<UInt8>

    private static func lines() -> [Line] {
        guard let bytes = readBytes("/proc/self/mountinfo") else { return [] }
        return bytes.split(separator: UInt8(ascii: "\n"))
    }

    private static func fields(of line: Line) -> [Line] {
        line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
    }

    /// Blocks until the mount at `path` is gone (or `stop` says so), woken by the kernel each time this
    /// namespace's mount table changes rather than by polling. Each change costs one `statx` of `path`:
    /// every job's server on the host wakes at every other job's mount and unmount.
    public static func waitUntilUnmounted(_ path: FilePath, stop: () -> Bool = { false }) {
        if let mounted = mountID(ofRoot: path) {
            watch {
                guard !stop(), let top = mountID(ofRoot: path) else { return false }
                // Another mount on top of it: the table says whether it is still there beneath.
                return top == mounted || entries().contains { $0.id == mounted }
            }
        } else {
            // Not a mount, or a kernel whose statx cannot tell: the mount table says.
            let target = canonical(path)
            watch { !stop() && entries().contains(where: { $0.mountpoint == target }) }
        }
    }

    /// The id of the mount whose root `path` is, or nil if it is none (or the kernel cannot tell). Asks
    /// no FUSE server, not even one this process runs.
    public static func mountID(ofRoot path: FilePath) -> UInt64? {
        var id: UInt64 = 0
        return path.withPlatformString { scorpio_mount_root_id($0, &id) } == 1 ? id : nil
    }

    /// Asks `keepWatching` now, then again each time this namespace's mount table changes (and at least
    /// once a second), until it answers false.
    public static func watch(_ keepWatching: () -> Bool) {
        let fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)
        defer { if fd >= 0 { close(fd) } }
        while keepWatching() {
            guard fd >= 0 else {
                usleep(200_000)
                continue
            }
            // The kernel flags a mountinfo descriptor (POLLPRI) once for every change since it was opened
            // or last polled.
            var request = pollfd(fd: fd, events: Int16(POLLPRI | POLLERR), revents: 0)
            _ = poll(&request, 1, 1000)
        }
    }

    /// Whether `path` is a FUSE mount whose server is gone: every request fails with ENOTCONN.
    /// `statfs` is always a request, where a `stat` may be answered from attributes the kernel cached
    /// after the connection ended.
    public static func isDeadFuseMount(_ path: FilePath) -> Bool {
        var filesystem = statfs()
        let failed = path.withPlatformString { statfs($0, &filesystem) } != 0
        return failed && errno == ENOTCONN
    }

    /// Whether a FUSE mount whose server answers is at `path` (one still dying answers ENOTCONN once its
    /// device is closed). A directory that a FUSE filesystem merely holds is not one: a mount is another
    /// device than its parent.
    public static func isLiveFuseMount(_ path: FilePath) -> Bool {
        var filesystem = statfs(), mounted = stat(), parent = stat()
        guard path.withPlatformString({ statfs($0, &filesystem) }) == 0, filesystem.f_type == fuseMagic else { return false }
        return path.withPlatformString { stat($0, &mounted) } == 0 && path.appending("..").withPlatformString { stat($0, &parent) } == 0
            && mounted.st_dev != parent.st_dev
    }

    private static let fuseMagic = 0x6573_5546

    /// Lazily detaches `path` if it is a dead FUSE mount. Returns whether it did.
    @discardableResult
    public static func detachIfDead(_ path: FilePath) throws(FuseMountError) -> Bool {
        guard isDeadFuseMount(path) else { return false }
        try unmount(path, lazy: true)
        return true
    }

    /// Unmounts `path`: with `umount2(2)` where this process may, else through `fusermount3 -u`.
    /// `lazy` detaches it now and lets the kernel finish once the last user is gone.
    public static func unmount(_ path: FilePath, lazy: Bool = false) throws(FuseMountError) {
        let result = path.withPlatformString { umount2($0, lazy ? Int32(MNT_DETACH) : 0) }
        if result == 0 { return }
        switch Errno(rawValue: errno) {
        case .resourceBusy: throw .busy(path)
        case .invalidArgument, .noSuchFileOrDirectory: throw .notMounted(path)
        case .notPermitted: try fusermountUnmount(path, lazy: lazy)
        case let other: throw .unmountFailed(path, reason: "\(other)")
        }
    }

    /// Ends a FUSE connection from the kernel side (`/sys/fs/fuse/connections/N/abort`), so its server's
    /// loop returns even while users still hold files of a lazily detached mount. Needs root; mounts the
    /// fusectl filesystem if the host has not. Returns whether the connection was aborted.
    @discardableResult
    public static func abortConnection(_ connection: UInt32) -> Bool {
        let root = "/sys/fs/fuse/connections"
        if access("\(root)/\(connection)", F_OK) != 0 {
            _ = Glibc.mount("fusectl", root, "fusectl", 0, nil)
        }
        let fd = open("\(root)/\(connection)/abort", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "1", 1) == 1
    }

    static func canonical(_ path: FilePath) -> FilePath {
        guard let resolved = path.withPlatformString({ realpath($0, nil) }) else { return path.lexicallyNormalized() }
        defer { free(resolved) }
        return FilePath(platformString: resolved)
    }

    private static func parse(_ fields: [Line]) -> MountInfo? {
        // id parent major:minor root mountpoint options [optional fields…] - fstype source superoptions
        guard fields.count >= 10, let dash = fields.firstIndex(where: { $0.elementsEqual([UInt8(ascii: "-")]) }), dash + 2 < fields.count,
            let colon = fields[2].firstIndex(of: UInt8(ascii: ":")),
            let major = UInt32(String(decoding: fields[2][..<colon], as: UTF8.self)),
            let minor = UInt32(String(decoding: fields[2][(colon + 1)...], as: UTF8.self)),
            let id = UInt64(String(decoding: fields[0], as: UTF8.self))
        else { return nil }
        return MountInfo(
            id: id, mountpoint: FilePath(unescape(fields[4])), fileSystemType: String(decoding: fields[dash + 1], as: UTF8.self),
            source: unescape(fields[dash + 2]), deviceMajor: major, deviceMinor: minor)
    }

    /// mountinfo writes space, tab, newline and backslash as octal escapes (`\040`).
    private static func unescape(_ field: Line) -> String {
        guard field.contains(UInt8(ascii: "\\")) else { return String(decoding: field, as: UTF8.self) }
        var bytes: [UInt8] = []
        var rest = field
        while let byte = rest.popFirst() {
            if byte == UInt8(ascii: "\\"), rest.count >= 3,
                let value = UInt8(String(decoding: rest.prefix(3), as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                rest = rest.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The bytes of `path` as mountinfo writes them.
    private static func escape(_ path: String) -> [UInt8] {
        var escaped: [UInt8] = []
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\\"):
                escaped += [UInt8(ascii: "\\"), UInt8(ascii: "0") + byte >> 6, UInt8(ascii: "0") + (byte >> 3) & 7, UInt8(ascii: "0") + byte & 7]
            default:
                escaped.append(byte)
            }
        }
        return escaped
    }

    private static func fusermountUnmount(_ path: FilePath, lazy: Bool) throws(FuseMountError) {
        let arguments = ["fusermount3", lazy ? "-uz" : "-u", path.string]
        switch runProgram(arguments) {
        case .success(0): return
        case .success(let status): throw .unmountFailed(path, reason: "fusermount3 exited with status \(status)")
        case .failure(let errno): throw .unmountFailed(path, reason: "cannot run fusermount3: \(errno)")
        }
    }
}

/// Reads a small file (procfs) whole.
func readBytes(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16384) { chunk -> [UInt8] in
        while true {
            let count = read(fd, chunk.baseAddress, chunk.count)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return bytes }
            bytes += chunk[..<count]
        }
    }
}

/// Runs a program found on PATH and waits for it; returns its exit status (128+N when killed by signal N).
func runProgram(_ arguments: [String]) -> Result<Int32, Errno> {
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
    argv.append(nil)
    defer { argv.forEach { free($0) } }
    var pid = pid_t()
    let spawned = posix_spawnp(&pid, argv[0]!, nil, nil, argv, environ)
    guard spawned == 0 else { return .failure(Errno(rawValue: spawned)) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        if errno != EINTR { return .failure(Errno(rawValue: errno)) }
    }
    let signal = status & 0x7f
    return .success(signal == 0 ? (status >> 8) & 0xff : 128 + signal)
}
