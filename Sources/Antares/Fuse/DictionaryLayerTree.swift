import Dicfuse
import FuseKit
import Glibc
import SystemPackage

/// The base as its mount shows it (``DicfuseFilesystem``), read from the dictionary this process holds:
/// entries resolved in memory, file bytes from the content store's descriptors, each one request to
/// the base's mount fewer.
final class DictionaryLayerTree: LayerTree {
    let dictionary: BaseDictionary

    /// The source's xattrs, if it keeps any.
    private let attributeSource: (any ExtendedAttributeSource)?

    init(dictionary: BaseDictionary) {
        self.dictionary = dictionary
        attributeSource = dictionary.dicfuse.source as? any ExtendedAttributeSource
    }

    private var dicfuse: Dicfuse { dictionary.dicfuse }

    /// The entry at `path`, looked up in its parent directory (most paths asked for are files, so the
    /// parent is what the resolved directories are asked for first).
    private func resolve(_ path: String) throws(Errno) -> FileAttributes {
        if path.isEmpty { return try dicfuse.attributes(of: .root) }
        let slash = path.utf8.lastIndex(of: UInt8(ascii: "/"))
        let parent = try slash.map { (slash) throws(Errno) -> Inode in try directory(String(path[..<slash])) } ?? .root
        guard let name = FilePath.Component(slash.map { String(path[path.index(after: $0)...]) } ?? path) else { throw .noSuchFileOrDirectory }
        let attributes = try dicfuse.lookup(parent: parent, name: name)
        if attributes.fileType == .directory { dictionary.resolvedDirectories.record(attributes.inode, at: path) }
        return attributes
    }

    /// The inode of the directory at `path` (not empty).
    private func directory(_ path: String) throws(Errno) -> Inode {
        if let known = dictionary.resolvedDirectories.inode(at: path) { return known }
        let attributes = try resolve(path)
        guard attributes.fileType == .directory else { throw .notDirectory }
        return attributes.inode
    }

    private func attributes(_ path: String) throws(Errno) -> FileAttributes {
        var attributes = try resolve(path)
        if let owner = dictionary.owner {
            attributes.uid = owner.uid
            attributes.gid = owner.gid
        }
        return attributes
    }

    func status(_ path: String) -> stat? {
        try? attributes(path).stat
    }

    /// Every union over this dictionary keeps the paths of the directories it has met, and most are the
    /// same directories: they share the strings the dictionary keeps for them.
    func keptPath(_ path: String) -> String? {
        dictionary.resolvedDirectories.keptPath(path)
    }

    func readlink(_ path: String) throws(Errno) -> String {
        try dicfuse.readlink(try resolve(path).inode).string
    }

    /// The blob's descriptor, shared with the dictionary's cache of open blobs.
    func openForReading(_ path: String) throws(Errno) -> SharedDescriptor? {
        let entry = try resolve(path)
        guard entry.fileType == .regular else { return nil }
        let blob = try dicfuse.blob(of: entry.inode)
        return SharedDescriptor(descriptor: blob.descriptor.rawValue, owner: blob)
    }

    func list(_ path: String) throws(Errno) -> [(name: String, type: UInt8)] {
        let entry = try resolve(path)
        guard entry.fileType == .directory else { throw .notDirectory }
        return try dicfuse.children(of: entry.inode).map { ($0.name.string, UInt8(($0.attributes.mode & S_IFMT) >> 12)) }
    }

    /// As through the mount: a source without xattrs answers ENOSYS there, which the kernel passes on
    /// as EOPNOTSUPP.
    func xattr(_ path: String, _ name: String) throws(Errno) -> [UInt8] {
        guard let source = attributeSource else { throw .notSupported }
        return try source.extendedAttribute(name, at: FilePath(path))
    }

    func xattrNames(_ path: String) throws(Errno) -> [String] {
        guard let source = attributeSource else { throw .notSupported }
        return try source.extendedAttributeNames(at: FilePath(path))
    }
}
