import Foundation
import SystemPackage

/// A monorepo served by a Mega server, read through its HTTP API one directory at a time.
///
/// At start the source asks `latest-commit` for the commit to serve and then lists directories with
/// `tree/content-hash` pinned to it (`refs=`); blobs come from `file/blob/{oid}`. Every call blocks its
/// thread (FUSE worker threads call it) and is retried per ``MegaSourceOptions``. See ``MegaListing``
/// for how exact sizes and modes are found when the server does not send them.
public final class MegaTreeSource: TreeSource {
    public let identity: String
    public let revision: ResolvedRevision
    public let root: SourceDirectory
    public let options: MegaSourceOptions

    let api: MegaAPI
    /// The commit listings ask for; nil when the server named none or pinning is off.
    private let pinnedCommit: ObjectID?

    /// Connects to the server and resolves the revision to serve; throws when the server cannot be
    /// reached, answers something unusable, or has no directory at `options.rootPath`.
    public init(options: MegaSourceOptions) throws(SourceError) {
        let api = try MegaAPI(options: options)
        let rootPath = api.endpoints.rootPath
        let commit = try api.latestCommit(touching: rootPath)
        let pinnedCommit = options.pinsRevision ? commit?.id : nil

        let revision: ResolvedRevision
        if let commit {
            revision = ResolvedRevision(
                id: commit.id, time: commit.time ?? 0, summary: "\(commit.id.short) (latest commit of \(rootPath))")
        } else {
            let rootItems = try api.children(of: rootPath, at: nil, revisionName: "the server's latest revision").items
            let standIn = Self.standInRevision(of: rootItems, base: api.endpoints.base, rootPath: rootPath)
            revision = ResolvedRevision(
                id: standIn, time: 0, summary: "\(standIn.short) (stand-in: the server named no commit)")
        }

        self.options = options
        self.api = api
        self.pinnedCommit = pinnedCommit
        self.revision = revision
        let rootTree = try Self.rootTree(rootPath, at: pinnedCommit, revision: revision, api: api)
        root = SourceDirectory(path: FilePath(), objectID: rootTree)
        identity = "mega \(api.endpoints.base)@\(revision.id.hex)" + (rootPath == "/" ? "" : ":\(rootPath)")
    }

    public func list(_ directory: SourceDirectory) throws(SourceError) -> [TreeEntry] {
        let path = api.endpoints.serverPath(of: directory.path)
        let (items, url) = try api.children(of: path, at: pinnedCommit, revisionName: revision.id.short)
        return try MegaListing.entries(from: items, url: url, sizes: api.sizes)
    }

    public func location(of entry: TreeEntry, in directory: SourceDirectory) -> BlobLocation { .fetch }

    public func fetch(_ entry: TreeEntry, in directory: SourceDirectory, to destination: FileDescriptor) throws(SourceError) -> UInt64 {
        guard MegaListing.hasContent(entry.kind) else {
            let path = api.endpoints.serverPath(of: directory.path.appending(entry.name))
            throw .io(path, reason: "a directory has no blob to fetch")
        }
        return try api.downloadBlob(entry.objectID, expectedSize: entry.size, to: destination)
    }

    public func verify(_ id: ObjectID, content: FileDescriptor, size: UInt64) throws(SourceError) -> Bool {
        try GitBlobHash.matches(id, content: content, size: size)
    }

    /// The served root's tree id, found in its parent's listing: that also checks that it exists, which
    /// Mega does not say itself (it lists a path it does not have as an empty directory).
    private static func rootTree(
        _ rootPath: String,
        at commit: ObjectID?,
        revision: ResolvedRevision,
        api: MegaAPI
    ) throws(SourceError) -> ObjectID? {
        guard rootPath != "/", let slash = rootPath.lastIndex(of: "/") else { return nil }
        let parent = slash == rootPath.startIndex ? "/" : String(rootPath[..<slash])
        let name = String(rootPath[rootPath.index(after: slash)...])
        let siblings = try api.children(of: parent, at: commit, revisionName: revision.id.short).items
        guard let item = siblings.first(where: { $0.name == name }) else {
            throw .pathNotFound(rootPath, revision: revision.id.short)
        }
        let isDirectory = item.mode.map { $0.bits & 0o170000 == 0o040000 } ?? (item.contentType == "directory")
        guard isDirectory else { throw .notADirectory(rootPath) }
        return ObjectID(hex: item.oid)
    }

    /// Names the root's current content when the server names no commit: the same listing gives the
    /// same id, any change below the root gives another.
    private static func standInRevision(of rootItems: [MegaContentHashItem], base: String, rootPath: String) -> ObjectID {
        let lines = rootItems.map { "\($0.mode?.bits ?? 0) \($0.contentType) \($0.oid) \($0.name)" }.sorted()
        let text = (["mega \(base) \(rootPath)"] + lines).joined(separator: "\n")
        return GitBlobHash.id(of: Array(text.utf8))
    }
}
