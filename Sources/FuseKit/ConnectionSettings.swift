import CFuse

/// What the kernel offers at INIT and what this session asks for; a filesystem may adjust it in
/// ``FuseFilesystem/initialize(_:)``.
public struct ConnectionSettings: Sendable {
    public struct Capabilities: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let asyncRead = Capabilities(rawValue: UInt32(FUSE_CAP_ASYNC_READ))
        public static let atomicOpenTruncate = Capabilities(rawValue: UInt32(FUSE_CAP_ATOMIC_O_TRUNC))
        public static let exportSupport = Capabilities(rawValue: UInt32(FUSE_CAP_EXPORT_SUPPORT))
        public static let dontMask = Capabilities(rawValue: UInt32(FUSE_CAP_DONT_MASK))
        public static let spliceWrite = Capabilities(rawValue: UInt32(FUSE_CAP_SPLICE_WRITE))
        public static let spliceMove = Capabilities(rawValue: UInt32(FUSE_CAP_SPLICE_MOVE))
        public static let spliceRead = Capabilities(rawValue: UInt32(FUSE_CAP_SPLICE_READ))
        public static let autoInvalidateData = Capabilities(rawValue: UInt32(FUSE_CAP_AUTO_INVAL_DATA))
        public static let readdirPlus = Capabilities(rawValue: UInt32(FUSE_CAP_READDIRPLUS))
        public static let readdirPlusAuto = Capabilities(rawValue: UInt32(FUSE_CAP_READDIRPLUS_AUTO))
        public static let asyncDirectIO = Capabilities(rawValue: UInt32(FUSE_CAP_ASYNC_DIO))
        public static let writebackCache = Capabilities(rawValue: UInt32(FUSE_CAP_WRITEBACK_CACHE))
        public static let noOpenSupport = Capabilities(rawValue: UInt32(FUSE_CAP_NO_OPEN_SUPPORT))
        public static let parallelDirectoryOperations = Capabilities(rawValue: UInt32(FUSE_CAP_PARALLEL_DIROPS))
        public static let posixACL = Capabilities(rawValue: UInt32(FUSE_CAP_POSIX_ACL))
        public static let handleKillPriv = Capabilities(rawValue: UInt32(FUSE_CAP_HANDLE_KILLPRIV))
        public static let cacheSymlinks = Capabilities(rawValue: UInt32(FUSE_CAP_CACHE_SYMLINKS))
        public static let noOpendirSupport = Capabilities(rawValue: UInt32(FUSE_CAP_NO_OPENDIR_SUPPORT))
        public static let explicitInvalidateData = Capabilities(rawValue: UInt32(FUSE_CAP_EXPLICIT_INVAL_DATA))
    }

    /// The FUSE protocol version the kernel speaks.
    public let protocolVersion: (major: UInt32, minor: UInt32)
    /// What the kernel and libfuse support.
    public let capable: Capabilities
    /// What this session asks for; only capabilities in ``capable`` take effect.
    public var wanted: Capabilities
    public var maxWrite: UInt32
    public var maxReadahead: UInt32
    public var maxBackground: UInt32
    /// Granularity of timestamps in nanoseconds (1 = full precision).
    public var timeGranularity: UInt32

    init(_ conn: fuse_conn_info) {
        protocolVersion = (conn.proto_major, conn.proto_minor)
        capable = Capabilities(rawValue: conn.capable)
        wanted = Capabilities(rawValue: conn.want)
        maxWrite = conn.max_write
        maxReadahead = conn.max_readahead
        maxBackground = conn.max_background
        timeGranularity = conn.time_gran
    }

    /// Applies the mount options' choices on top of libfuse's defaults.
    mutating func apply(_ options: MountOptions) {
        func want(_ capability: Capabilities, _ enabled: Bool) {
            if enabled && capable.contains(capability) { wanted.insert(capability) } else { wanted.remove(capability) }
        }
        want(.writebackCache, options.writebackCache)
        // libfuse names these from its side of the device: it *writes* read replies into the kernel
        // (SPLICE_WRITE, SPLICE_MOVE) and *reads* requests, write data included, from it (SPLICE_READ).
        want(.spliceWrite, options.spliceRead)
        want(.spliceMove, options.spliceRead)
        want(.spliceRead, options.spliceWrite)
        want(.readdirPlus, options.readdirPlus != .off)
        want(.readdirPlusAuto, options.readdirPlus == .auto)
        want(.parallelDirectoryOperations, options.parallelDirectoryOperations)
        want(.cacheSymlinks, options.cacheSymlinks)
        want(.atomicOpenTruncate, options.atomicOpenTruncate)
        maxWrite = min(maxWrite, options.maxWrite)
        maxReadahead = min(maxReadahead, options.maxReadahead)
        maxBackground = options.maxBackground
        timeGranularity = 1
    }

    /// Writes the negotiated values back for libfuse to send.
    func store(into conn: inout fuse_conn_info) {
        conn.want = wanted.rawValue & capable.rawValue
        conn.max_write = maxWrite
        conn.max_readahead = maxReadahead
        conn.max_background = maxBackground
        conn.congestion_threshold = maxBackground * 3 / 4
        conn.time_gran = timeGranularity
    }
}
