import SystemPackage

/// What one path of a change-list layer holds, in kernel overlayfs's format.
public struct LayerEntry: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        case file(bytes: [UInt8], executable: Bool)
        /// A file copied from disk when the layer is written (a work tree's file).
        case copy(of: FilePath, executable: Bool)
        case symlink(target: String)
        /// An opaque directory hides the lower directory of the same path (a tree replaced by a submodule).
        case directory(opaque: Bool)
        /// Hides the lower entry of the same path, directory or not.
        case whiteout

        public var isDirectory: Bool {
            if case .directory = self { true } else { false }
        }
    }

    /// Relative to the layer's root.
    public let path: FilePath
    public let content: Content

    public init(path: FilePath, content: Content) {
        self.path = path
        self.content = content
    }
}

/// The entries of a change-list layer and how many files they add, modify and delete.
public struct LayerChanges: Sendable, Equatable {
    public var entries: [LayerEntry]
    public var added: Int
    public var modified: Int
    /// Files deleted; one whiteout of a directory counts every file that was under it.
    public var deleted: Int

    public init(entries: [LayerEntry] = [], added: Int = 0, modified: Int = 0, deleted: Int = 0) {
        self.entries = entries
        self.added = added
        self.modified = modified
        self.deleted = deleted
    }

    public var isEmpty: Bool { entries.isEmpty }
}
