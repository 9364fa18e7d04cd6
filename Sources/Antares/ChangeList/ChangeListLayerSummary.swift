/// What a written change-list layer holds, for messages like "cl 456 (3 files)".
public struct ChangeListLayerSummary: Sendable, Equatable, CustomStringConvertible {
    public var added: Int
    public var modified: Int
    public var deleted: Int
    /// Bytes of file content written.
    public var bytes: UInt64

    public init(added: Int = 0, modified: Int = 0, deleted: Int = 0, bytes: UInt64 = 0) {
        self.added = added
        self.modified = modified
        self.deleted = deleted
        self.bytes = bytes
    }

    public var files: Int { added + modified + deleted }

    /// "3 files", "1 file".
    public var description: String { files == 1 ? "1 file" : "\(files) files" }
}
