/// The index's cache tree (its `TREE` extension): for each directory git has kept track of, the id of
/// the tree object the index's entries below it would make, or nothing where an entry changed since.
/// Where that id equals HEAD's tree of the same directory, nothing below it is staged.
final class GitCacheTree: Sendable {
    let name: String
    /// Nil where the directory's entries changed since the tree was computed.
    let treeID: GitIndexFile.ObjectIDBytes?
    let children: [String: GitCacheTree]

    init(name: String, treeID: GitIndexFile.ObjectIDBytes?, children: [String: GitCacheTree]) {
        self.name = name
        self.treeID = treeID
        self.children = children
    }

    /// Parses the extension's body: each node is `name NUL entry-count SP subtree-count LF [id]`, its
    /// subtrees following it.
    convenience init(parsing body: UnsafeRawBufferPointer) throws {
        var reader = ByteReader(data: body)
        let root = try Self.node(&reader)
        self.init(name: root.name, treeID: root.treeID, children: root.children)
    }

    private static func node(_ reader: inout ByteReader) throws -> GitCacheTree {
        let name = String(decoding: try reader.cString(), as: UTF8.self)
        guard let entryCount = Int(String(decoding: try reader.bytes(upTo: UInt8(ascii: " ")), as: UTF8.self)),
            let subtreeCount = Int(String(decoding: try reader.bytes(upTo: UInt8(ascii: "\n")), as: UTF8.self)), subtreeCount >= 0
        else { throw ByteReader.Truncated() }
        let treeID = entryCount >= 0 ? GitIndexFile.ObjectIDBytes(try reader.bytes(20)) : nil
        var children: [String: GitCacheTree] = [:]
        for _ in 0..<subtreeCount {
            let child = try node(&reader)
            children[child.name] = child
        }
        return GitCacheTree(name: name, treeID: treeID, children: children)
    }
}
