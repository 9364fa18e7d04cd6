/// What a layer holds, counted as it was written.
public struct ChangeCounts: Sendable, Hashable, Codable {
    public var added = 0
    public var modified = 0
    public var deleted = 0
    /// Content bytes of added regular files (a hard-linked file counts once).
    public var bytesAdded: UInt64 = 0
    /// Content bytes of modified regular files (a hard-linked file counts once).
    public var bytesModified: UInt64 = 0

    public init() {}

    public var total: Int { added + modified + deleted }
}

/// The written layer as OCI names it.
public struct LayerSummary: Sendable, Hashable, Codable {
    public var compression: LayerCompression
    /// `sha256:<hex>` of the uncompressed tar: the layer's OCI `diff_id`.
    public var diffID: String
    /// `sha256:<hex>` of the file as written: the layer's OCI descriptor digest.
    public var digest: String
    /// Bytes of the file as written.
    public var size: UInt64
    /// Bytes of the uncompressed tar.
    public var uncompressedSize: UInt64
    public var counts: ChangeCounts
    /// Entries written to the tar, whiteouts and opaque markers included.
    public var entries: Int

    public init(
        compression: LayerCompression, diffID: String, digest: String, size: UInt64, uncompressedSize: UInt64,
        counts: ChangeCounts, entries: Int
    ) {
        self.compression = compression
        self.diffID = diffID
        self.digest = digest
        self.size = size
        self.uncompressedSize = uncompressedSize
        self.counts = counts
        self.entries = entries
    }

    public var mediaType: String { compression.mediaType }
}
