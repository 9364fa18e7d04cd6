import CFuse
import Glibc
import SystemPackage

/// What `stat(2)` reports for a file, as a filesystem hands it to the kernel.
public struct FileAttributes: Sendable {
    public var inode: Inode
    /// File type and permission bits, as in `st_mode` (`S_IFREG | 0o644`).
    public var mode: mode_t
    public var linkCount: UInt64
    public var uid: uid_t
    public var gid: gid_t
    /// Device number for character and block devices (`makedev(major, minor)`).
    public var rdev: dev_t
    public var size: UInt64
    /// Allocated size in 512-byte units; derived from `size` when left nil.
    public var blocks: UInt64?
    public var accessTime: timespec
    public var modificationTime: timespec
    public var changeTime: timespec
    /// What `stat` shows as `st_ino`, where it is not ``inode`` (names of one file that the filesystem
    /// serves as separate inodes).
    public var serialNumber: UInt64?

    public init(
        inode: Inode, mode: mode_t, linkCount: UInt64 = 1, uid: uid_t = 0, gid: gid_t = 0, rdev: dev_t = 0,
        size: UInt64 = 0, blocks: UInt64? = nil,
        accessTime: timespec = timespec(), modificationTime: timespec = timespec(), changeTime: timespec = timespec()
    ) {
        self.inode = inode
        self.mode = mode
        self.linkCount = linkCount
        self.uid = uid
        self.gid = gid
        self.rdev = rdev
        self.size = size
        self.blocks = blocks
        self.accessTime = accessTime
        self.modificationTime = modificationTime
        self.changeTime = changeTime
    }

    /// The attributes of a file on another filesystem, re-numbered as `inode`.
    public init(_ st: stat, inode: Inode) {
        self.init(
            inode: inode, mode: st.st_mode, linkCount: UInt64(st.st_nlink), uid: st.st_uid, gid: st.st_gid,
            rdev: st.st_rdev, size: UInt64(st.st_size), blocks: UInt64(st.st_blocks),
            accessTime: st.st_atim, modificationTime: st.st_mtim, changeTime: st.st_ctim)
    }

    public var fileType: FileType { FileType(mode: mode) }

    /// The `struct stat` libfuse sends to the kernel.
    public var stat: Glibc.stat {
        var st = Glibc.stat()
        st.st_ino = serialNumber.map { __ino_t($0) } ?? inode.rawValue
        st.st_mode = mode
        st.st_nlink = nlink_t(linkCount)
        st.st_uid = uid
        st.st_gid = gid
        st.st_rdev = rdev
        st.st_size = Int(clamping: size)
        st.st_blksize = 4096
        st.st_blocks = Int(clamping: blocks ?? (size + 511) / 512)
        st.st_atim = accessTime
        st.st_mtim = modificationTime
        st.st_ctim = changeTime
        return st
    }
}

extension timespec {
    /// The current wall-clock time.
    public static var now: timespec {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return ts
    }

    public init(seconds: Int) { self.init(tv_sec: seconds, tv_nsec: 0) }
}

extension FileAttributes: Equatable {
    public static func == (lhs: FileAttributes, rhs: FileAttributes) -> Bool {
        func same(_ a: timespec, _ b: timespec) -> Bool { a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec }
        return lhs.inode == rhs.inode && lhs.mode == rhs.mode && lhs.linkCount == rhs.linkCount
            && lhs.uid == rhs.uid && lhs.gid == rhs.gid && lhs.rdev == rhs.rdev && lhs.size == rhs.size
            && lhs.blocks == rhs.blocks && same(lhs.accessTime, rhs.accessTime)
            && same(lhs.modificationTime, rhs.modificationTime) && same(lhs.changeTime, rhs.changeTime)
            && lhs.serialNumber == rhs.serialNumber
    }
}
