/// How a filesystem is mounted and what FuseKit negotiates with the kernel at INIT.
public struct MountOptions: Sendable {
    /// How the kernel lists directories.
    public enum ReaddirPlus: Sendable {
        /// Plain readdir only; lookups follow.
        case off
        /// The kernel chooses per listing (readdirplus first, plain readdir once it has the entries).
        case auto
        /// Always readdirplus: a listing also fills the entry and attribute caches.
        case always
    }

    /// Shown as the source in `/proc/mounts` and `df`.
    public var fsName: String
    /// Shown as the type in `/proc/mounts` (`fuse.<subtype>`).
    public var subtype: String
    public var readOnly = false
    /// Let the kernel check permissions from the mode bits (no `access` requests needed).
    public var defaultPermissions = true
    /// Let users other than the mounting one in (needs root or `user_allow_other`).
    public var allowOther = false
    /// Further `-o` options passed to libfuse as they are.
    public var extraOptions: [String] = []

    /// Cache writes in the kernel and send them in large batches; the kernel then also owns mtime/size.
    /// On recent kernels this costs a GETATTR per open, so it pays only for write-heavy workloads.
    public var writebackCache = false
    /// Move read replies from file descriptors into the kernel with splice(2).
    public var spliceRead = true
    /// Receive write data with splice(2).
    public var spliceWrite = false
    public var readdirPlus: ReaddirPlus = .off
    /// Allow parallel lookups and readdirs in one directory.
    public var parallelDirectoryOperations = true
    /// Cache symlink targets in the page cache.
    public var cacheSymlinks = true
    /// Let the kernel send O_TRUNC with open instead of a separate setattr.
    public var atomicOpenTruncate = false
    /// Largest write request, in bytes (the kernel rounds to pages; libfuse caps it at its buffer size).
    public var maxWrite: UInt32 = 1 << 20
    public var maxReadahead: UInt32 = 1 << 20
    public var maxBackground: UInt32 = 64
    /// How long the kernel caches a failed lookup (ENOENT), in seconds; 0 caches nothing.
    public var negativeTimeout: Double = 0

    /// Upper bound of libfuse worker threads.
    public var maxThreads: UInt32 = 16
    /// Worker threads kept waiting for requests.
    public var idleThreads: UInt32 = 4
    /// Serve requests over FUSE-over-io_uring where the kernel offers it (Linux 6.14+, the fuse module's
    /// `enable_uring` on): each request is answered on the CPU that sent it, by threads pinned there.
    /// Every CPU's queue needs a thread of its own, made before the mount answers its first request.
    public var requestRing = false
    /// Ring threads of the mount, shared out among the CPUs' queues (at least one each); each answers
    /// one request at a time, so a queue's threads are how many requests of one CPU may wait on the disk.
    public var ringThreads: UInt32 = 8
    /// Each worker reads from its own clone of the device descriptor.
    public var cloneFD = false
    /// libfuse's own request trace on stderr.
    public var debug = false

    public init(fsName: String, subtype: String) {
        self.fsName = fsName
        self.subtype = subtype
    }

    /// The argument vector for `fuse_session_new`.
    var arguments: [String] {
        var mountOptions = ["fsname=\(fsName)", "subtype=\(subtype)"]
        if readOnly { mountOptions.append("ro") }
        if defaultPermissions { mountOptions.append("default_permissions") }
        if allowOther { mountOptions.append("allow_other") }
        mountOptions += extraOptions
        var args = [subtype, "-o", mountOptions.joined(separator: ",")]
        if debug { args.append("-d") }
        return args
    }
}
