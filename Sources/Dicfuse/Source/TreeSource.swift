import Glibc
import SystemPackage

/// What an entry of a source tree is.
public enum TreeEntryKind: Sendable, Equatable {
    case file(executable: Bool)
    case symlink
    case directory
    /// A git submodule (gitlink): shown as an empty directory.
    case submodule
    /// Special files, which only a plain directory holds; a device's number is its ``EntryMetadata/rdev``.
    case fifo
    case socket
    case characterDevice
    case blockDevice
}

/// One child of a source directory.
public struct TreeEntry: Sendable, Equatable {
    /// The entry's name within its directory (raw bytes as the source stores them).
    public var name: FilePath.Component
    public var kind: TreeEntryKind
    /// The blob (files, symlinks) or tree (directories) id; for a directory source, a stand-in id.
    public var objectID: ObjectID
    /// Exact size of the content in bytes (a symlink's is its target's length); for a directory, what
    /// the source says (0 where it says nothing, as git).
    public var size: UInt64
    /// What the source records beyond kind and size (a plain directory's `lstat`); nil for git.
    public var metadata: EntryMetadata?

    public init(name: FilePath.Component, kind: TreeEntryKind, objectID: ObjectID, size: UInt64, metadata: EntryMetadata? = nil) {
        self.name = name
        self.kind = kind
        self.objectID = objectID
        self.size = size
        self.metadata = metadata
    }
}

/// The attributes a source records of an entry, served as they are (a plain directory records all of
/// `lstat`; git records none, and its entries get Dicfuse's uniform modes, owner and revision time).
public struct EntryMetadata: Sendable, Equatable {
    /// The permission bits, all twelve (setuid, setgid and sticky included); the type comes from the kind.
    public var permissions: mode_t
    public var uid: uid_t
    public var gid: gid_t
    public var linkCount: UInt32
    /// Device number of a character or block device.
    public var rdev: dev_t
    /// Allocated size in 512-byte units.
    public var blocks: UInt64
    public var accessTime: timespec
    public var modificationTime: timespec
    public var changeTime: timespec
    /// The file's identity in the source (device and inode): names with equal identities are hard links
    /// of one file, and Dicfuse gives them one inode number.
    public var identity: FileIdentity?

    public init(
        permissions: mode_t, uid: uid_t, gid: gid_t, linkCount: UInt32, rdev: dev_t = 0, blocks: UInt64 = 0,
        accessTime: timespec, modificationTime: timespec, changeTime: timespec, identity: FileIdentity? = nil
    ) {
        self.permissions = permissions & 0o7777
        self.uid = uid
        self.gid = gid
        self.linkCount = linkCount
        self.rdev = rdev
        self.blocks = blocks
        self.accessTime = accessTime
        self.modificationTime = modificationTime
        self.changeTime = changeTime
        self.identity = identity
    }

    /// What `lstat` says of an entry.
    public init(_ st: stat) {
        self.init(
            permissions: st.st_mode, uid: st.st_uid, gid: st.st_gid, linkCount: UInt32(clamping: st.st_nlink),
            rdev: st.st_rdev, blocks: UInt64(clamping: st.st_blocks), accessTime: st.st_atim,
            modificationTime: st.st_mtim, changeTime: st.st_ctim,
            identity: FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino)))
    }

    public static func == (lhs: EntryMetadata, rhs: EntryMetadata) -> Bool {
        func same(_ a: timespec, _ b: timespec) -> Bool { a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec }
        return lhs.permissions == rhs.permissions && lhs.uid == rhs.uid && lhs.gid == rhs.gid
            && lhs.linkCount == rhs.linkCount && lhs.rdev == rhs.rdev && lhs.blocks == rhs.blocks
            && same(lhs.accessTime, rhs.accessTime) && same(lhs.modificationTime, rhs.modificationTime)
            && same(lhs.changeTime, rhs.changeTime) && lhs.identity == rhs.identity
    }
}

/// A file as its source filesystem names it: (device, inode).
public struct FileIdentity: Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}

/// A directory as a source names it: its path from the served root and, where the source has one, its id.
public struct SourceDirectory: Sendable, Equatable {
    /// Relative to the served root; empty for the root itself.
    public var path: FilePath
    public var objectID: ObjectID?

    public init(path: FilePath, objectID: ObjectID?) {
        self.path = path
        self.objectID = objectID
    }
}

/// A revision a source serves: its id and the time every entry reports as its mtime.
public struct ResolvedRevision: Sendable, Equatable {
    /// The commit (git), the served tree's own id, or a stand-in for a directory.
    public var id: ObjectID
    /// Seconds since the epoch (the commit time for git).
    public var time: Int
    /// A human description: `8f3c2e1 (main)`.
    public var summary: String

    public init(id: ObjectID, time: Int, summary: String) {
        self.id = id
        self.time = time
        self.summary = summary
    }
}

/// Where a blob's bytes can be read.
public enum BlobLocation: Sendable, Equatable {
    /// A local file that holds exactly the blob (a directory source): served in place, never copied.
    case localFile(FilePath)
    /// Only the source has it; it is fetched into the content store on first read.
    case fetch
}

/// A read-only tree at one revision: the layer below everything Scorpio mounts.
///
/// Sources are called from many threads at once and must be safe for that. They answer one directory
/// level at a time; Dicfuse calls ``list(_:)`` once per directory, when the kernel first looks into it.
public protocol TreeSource: Sendable {
    /// What this source serves, for messages and for keying shared instances: `git /repo@8f3c2e1:sub/dir`.
    var identity: String { get }
    /// The revision served.
    var revision: ResolvedRevision { get }
    /// The served root directory.
    var root: SourceDirectory { get }
    /// What the source records of the root directory itself (nil: nothing, as git), and its size.
    var rootMetadata: EntryMetadata? { get }
    var rootSize: UInt64 { get }

    /// The entries of one directory, in any order.
    func list(_ directory: SourceDirectory) throws(SourceError) -> [TreeEntry]
    /// Where the bytes of a file or symlink entry of `directory` can be read.
    func location(of entry: TreeEntry, in directory: SourceDirectory) -> BlobLocation
    /// Writes the whole blob to `destination` (a new file of the content store) and returns its size.
    func fetch(_ entry: TreeEntry, in directory: SourceDirectory, to destination: FileDescriptor) throws(SourceError) -> UInt64
    /// Whether `content` is what `id` names (the store checks every fetched blob before keeping it).
    func verify(_ id: ObjectID, content: FileDescriptor, size: UInt64) throws(SourceError) -> Bool
}

extension TreeSource {
    public var rootMetadata: EntryMetadata? { nil }
    public var rootSize: UInt64 { 0 }
}
