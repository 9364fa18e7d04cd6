import Glibc
import SystemPackage

/// The answer to a request that names a file the kernel should remember (lookup, mkdir, create, …).
///
/// The kernel caches the name→inode mapping for `entryTimeout` seconds and the attributes for
/// `attributeTimeout` seconds without asking again. Entries that can only change through this mount can
/// use long timeouts; the filesystem then tells the kernel of changes it makes itself
/// (``KernelCacheNotifier``).
public struct Entry: Sendable, Equatable {
    public var attributes: FileAttributes
    /// Distinguishes successive files that reuse one inode number (only matters for NFS export).
    public var generation: UInt64
    public var attributeTimeout: Double
    public var entryTimeout: Double

    public init(attributes: FileAttributes, generation: UInt64 = 0, attributeTimeout: Double = 1, entryTimeout: Double = 1) {
        self.attributes = attributes
        self.generation = generation
        self.attributeTimeout = attributeTimeout
        self.entryTimeout = entryTimeout
    }

    public var inode: Inode { attributes.inode }
}

/// Attributes with the time the kernel may cache them.
public struct AttributesReply: Sendable, Equatable {
    public var attributes: FileAttributes
    public var timeout: Double

    public init(_ attributes: FileAttributes, timeout: Double = 1) {
        self.attributes = attributes
        self.timeout = timeout
    }
}

/// The answer to `open`, `opendir` and `create`: a handle the kernel passes back on every later request
/// on the open file, and how the kernel should cache it.
public struct OpenReply: Sendable, Equatable {
    public var handle: UInt64
    /// Bypass the page cache: every read and write reaches the filesystem.
    public var directIO: Bool
    /// Keep cached data from earlier opens (the file did not change behind the kernel's back).
    public var keepCache: Bool
    public var nonSeekable: Bool
    /// Closing this file needs no FLUSH request.
    public var noFlush: Bool
    /// For directories: the kernel may cache readdir results.
    public var cacheDirectory: Bool

    public init(
        handle: UInt64 = 0, directIO: Bool = false, keepCache: Bool = false, nonSeekable: Bool = false,
        noFlush: Bool = false, cacheDirectory: Bool = false
    ) {
        self.handle = handle
        self.directIO = directIO
        self.keepCache = keepCache
        self.nonSeekable = nonSeekable
        self.noFlush = noFlush
        self.cacheDirectory = cacheDirectory
    }
}

/// Data for a `read` request.
public enum ReadReply: Sendable {
    /// Bytes held in memory; FuseKit copies them into the reply.
    case bytes([UInt8])
    /// Bytes read by libfuse straight from a file descriptor (spliced to the kernel where the session allows
    /// it), never copied through Swift. `owner` (whatever closes the descriptor when released) is kept
    /// alive until the reply has been sent.
    case file(descriptor: Int32, offset: Int64, count: Int, owner: (any AnyObject & Sendable)? = nil)
}

/// Filesystem-wide figures for `statfs(2)`.
public struct FilesystemStatistics: Sendable, Equatable {
    public var blockSize: UInt
    public var fragmentSize: UInt
    public var blocks: UInt
    public var blocksFree: UInt
    public var blocksAvailable: UInt
    public var files: UInt
    public var filesFree: UInt
    public var filesAvailable: UInt
    public var maximumNameLength: UInt

    public init(
        blockSize: UInt = 4096, fragmentSize: UInt = 4096, blocks: UInt = 0, blocksFree: UInt = 0,
        blocksAvailable: UInt = 0, files: UInt = 0, filesFree: UInt = 0, filesAvailable: UInt = 0,
        maximumNameLength: UInt = 255
    ) {
        self.blockSize = blockSize
        self.fragmentSize = fragmentSize
        self.blocks = blocks
        self.blocksFree = blocksFree
        self.blocksAvailable = blocksAvailable
        self.files = files
        self.filesFree = filesFree
        self.filesAvailable = filesAvailable
        self.maximumNameLength = maximumNameLength
    }

    /// The figures of the filesystem holding `path` (e.g. an upper directory).
    public init?(of path: String) {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { return nil }
        self.init(st)
    }

    public init(_ st: statvfs) {
        self.init(
            blockSize: st.f_bsize, fragmentSize: st.f_frsize, blocks: UInt(st.f_blocks), blocksFree: UInt(st.f_bfree),
            blocksAvailable: UInt(st.f_bavail), files: UInt(st.f_files), filesFree: UInt(st.f_ffree),
            filesAvailable: UInt(st.f_favail), maximumNameLength: st.f_namemax)
    }

    var systemValue: statvfs {
        var st = statvfs()
        st.f_bsize = blockSize
        st.f_frsize = fragmentSize
        st.f_blocks = fsblkcnt_t(blocks)
        st.f_bfree = fsblkcnt_t(blocksFree)
        st.f_bavail = fsblkcnt_t(blocksAvailable)
        st.f_files = fsfilcnt_t(files)
        st.f_ffree = fsfilcnt_t(filesFree)
        st.f_favail = fsfilcnt_t(filesAvailable)
        st.f_namemax = maximumNameLength
        return st
    }
}
