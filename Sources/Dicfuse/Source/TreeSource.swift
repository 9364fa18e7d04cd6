import SystemPackage

/// What an entry of a source tree is.
public enum TreeEntryKind: Sendable, Equatable {
    case file(executable: Bool)
    case symlink
    case directory
    /// A git submodule (gitlink): shown as an empty directory.
    case submodule
}

/// One child of a source directory.
public struct TreeEntry: Sendable, Equatable {
    /// The entry's name within its directory (raw bytes as the source stores them).
    public var name: FilePath.Component
    public var kind: TreeEntryKind
    /// The blob (files, symlinks) or tree (directories) id; for a directory source, a stand-in id.
    public var objectID: ObjectID
    /// Exact size of the content in bytes (a symlink's is its target's length; 0 for directories).
    public var size: UInt64

    public init(name: FilePath.Component, kind: TreeEntryKind, objectID: ObjectID, size: UInt64) {
        self.name = name
        self.kind = kind
        self.objectID = objectID
        self.size = size
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

    /// The entries of one directory, in any order.
    func list(_ directory: SourceDirectory) throws(SourceError) -> [TreeEntry]
    /// Where the bytes of a file or symlink entry of `directory` can be read.
    func location(of entry: TreeEntry, in directory: SourceDirectory) -> BlobLocation
    /// Writes the whole blob to `destination` (a new file of the content store) and returns its size.
    func fetch(_ entry: TreeEntry, in directory: SourceDirectory, to destination: FileDescriptor) throws(SourceError) -> UInt64
    /// Whether `content` is what `id` names (the store checks every fetched blob before keeping it).
    func verify(_ id: ObjectID, content: FileDescriptor, size: UInt64) throws(SourceError) -> Bool
}
