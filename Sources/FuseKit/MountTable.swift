import Glibc
import SystemPackage

/// One line of `/proc/self/mountinfo`.
public struct MountInfo: Sendable, Equatable {
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
        guard let text = readFile("/proc/self/mountinfo") else { return [] }
        return text.split(separator: "\n").compactMap(parse)
    }

    /// The topmost mount at `path`, if `path` is a mountpoint.
    public static func mount(at path: FilePath) -> MountInfo? {
        let target = canonical(path)
        return entries().last { $0.mountpoint == target }
    }

    /// Blocks until nothing is mounted at `path` any more (or `stop` says so), woken by the kernel each
    /// time this namespace's mount table changes rather than by polling.
    public static func waitUntilUnmounted(_ path: FilePath, stop: () -> Bool = { false }) {
        let target = canonical(path)
        let fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)
        defer { if fd >= 0 { close(fd) } }
        while !stop(), entries().contains(where: { $0.mountpoint == target }) {
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

    /// Whether `path` is a FUSE mount whose server is gone: every access fails with ENOTCONN.
    public static func isDeadFuseMount(_ path: FilePath) -> Bool {
        var st = stat()
        let failed = path.withPlatformString { stat($0, &st) } != 0
        return failed && errno == ENOTCONN
    }

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

    private static func parse(_ line: Substring) -> MountInfo? {
        // id parent major:minor root mountpoint options [optional fields…] - fstype source superoptions
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count >= 10, let dash = fields.firstIndex(of: "-"), dash + 2 < fields.count else { return nil }
        let device = fields[2].split(separator: ":")
        guard device.count == 2, let major = UInt32(device[0]), let minor = UInt32(device[1]) else { return nil }
        return MountInfo(
            mountpoint: FilePath(unescape(fields[4])), fileSystemType: String(fields[dash + 1]),
            source: unescape(fields[dash + 2]), deviceMajor: major, deviceMinor: minor)
    }

    /// mountinfo writes space, tab, newline and backslash as octal escapes (`\040`).
    private static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3,
                let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
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

/// Reads a small text file (procfs) whole.
func readFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        bytes += chunk[..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
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
