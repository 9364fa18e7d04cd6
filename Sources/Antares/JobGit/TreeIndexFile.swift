import CGit2
import Crypto
import FuseKit
import Glibc
import Synchronization
import SystemPackage

/// The bytes of a git index (version 2, with its cache tree, as `git read-tree` writes it) of one
/// tree. Every entry carries the same stat data but its size. git sorts a tree's entries so that
/// a depth-first walk meets the paths in the index's order: each top-level directory is laid out on
/// its own, on every core, and the parts joined in the tree's order; then the blobs' sizes are filled
/// in, again on every core. Trees and sizes come straight from the packs where they can
/// (``PackReader``), else from libgit2.
struct TreeIndexFile {
    /// The index of `tree` in `repository`, each entry's ctime and mtime `seconds` (device, inode, uid
    /// and gid 0).
    static func bytes(of tree: git_oid, in repository: OpaquePointer, seconds: UInt32) throws -> [UInt8] {
        var database: OpaquePointer?
        guard git_repository_odb(&database, repository) == 0, let database else { throw GitFailure("opening the object database") }
        defer { git_odb_free(database) }
        let objects = Objects(
            packs: PackReader(objects: FilePath(String(cString: git_repository_commondir(repository))).appending("objects")),
            database: database)
        let workers = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))

        let root = try TreeEntries(tree, objects: objects, path: [])
        let subtrees = root.entries.indices.filter { root.entries[$0].isTree }
        let parts = Mutex<[Int: Result<Part, any Error>]>([:])
        let next = Atomic<Int>(0)
        onThreads(min(workers, max(1, subtrees.count))) { _ in
            while true {
                let task = next.add(1, ordering: .relaxed).oldValue
                guard task < subtrees.count else { return }
                let entry = root.entries[subtrees[task]]
                let result = Result { () throws -> Part in
                    var part = Part(seconds: seconds)
                    var path = entry.name + [UInt8(ascii: "/")]
                    let node = try part.add(tree: entry.id, path: &path, name: entry.name, objects: objects)
                    part.node = node
                    return part
                }
                parts.withLock { $0[task] = result }
            }
        }

        var file = Part(seconds: seconds)
        file.bytes = Array("DIRC".utf8) + [0, 0, 0, 2, 0, 0, 0, 0]
        let cacheTree = CacheTreeNode(name: [], id: tree)
        var task = 0
        for entry in root.entries {
            guard entry.isTree else {
                file.append(path: entry.name, mode: entry.mode, id: entry.id)
                continue
            }
            let part = try parts.withLock { try $0[task]!.get() }
            task += 1
            file.sizeFields += part.sizeFields.map { $0 + file.bytes.count }
            file.bytes += part.bytes
            file.entryCount += part.entryCount
            cacheTree.subtrees.append(part.node!)
        }
        cacheTree.entryCount = file.entryCount
        try file.readSizes(objects: objects, workers: workers)

        file.bytes.replaceSubrange(8..<12, with: bigEndian(UInt32(file.entryCount)))
        var extensionData: [UInt8] = []
        cacheTree.write(to: &extensionData)
        file.bytes += Array("TREE".utf8) + bigEndian(UInt32(extensionData.count)) + extensionData
        file.bytes += Insecure.SHA1.hash(data: file.bytes)
        return file.bytes
    }
}

/// Where trees and sizes are read: the packs, else libgit2's object database (which locks itself).
private struct Objects: @unchecked Sendable {
    let packs: PackReader
    let database: OpaquePointer

    /// The raw bytes of tree `id`.
    func tree(_ id: git_oid, path: [UInt8]) throws -> [UInt8] {
        if let bytes = withUnsafeBytes(of: id.id, { packs.wholeObject($0.baseAddress!, type: 2) }) { return bytes }
        var object: OpaquePointer?
        var lookup = id
        guard git_odb_read(&object, database, &lookup) == 0, let object else {
            throw GitFailure("reading the tree \(id.objectID.short) of '\(String(decoding: path, as: UTF8.self))'")
        }
        defer { git_odb_object_free(object) }
        guard git_odb_object_type(object) == GIT_OBJECT_TREE else {
            throw GitFailure(message: "\(id.objectID.short), the tree of '\(String(decoding: path, as: UTF8.self))', is not a tree")
        }
        return Array(UnsafeRawBufferPointer(start: git_odb_object_data(object), count: git_odb_object_size(object)))
    }
}

/// One tree's entries as git stores them: `<octal mode> <name>\0<20-byte id>`, in git's order.
private struct TreeEntries {
    struct Entry {
        let name: [UInt8]
        let mode: UInt32
        let id: git_oid
        var isTree: Bool { mode == GIT_FILEMODE_TREE.rawValue }
    }

    var entries: [Entry] = []

    init(_ id: git_oid, objects: Objects, path: [UInt8]) throws {
        let bytes = try objects.tree(id, path: path)
        var position = 0
        func damaged() -> GitFailure {
            GitFailure(message: "the tree \(id.objectID.short) of '\(String(decoding: path, as: UTF8.self))' is damaged (`git fsck` names it)")
        }
        while position < bytes.count {
            var mode: UInt32 = 0
            while position < bytes.count, bytes[position] != UInt8(ascii: " ") {
                let digit = bytes[position] &- UInt8(ascii: "0")
                guard digit < 8, mode < 0o1_000_000 else { throw damaged() }
                mode = mode << 3 | UInt32(digit)
                position += 1
            }
            guard let end = bytes[position...].firstIndex(of: 0), end > position + 1, end + 21 <= bytes.count else { throw damaged() }
            let name = Array(bytes[(position + 1)..<end])
            var entryID = git_oid()
            withUnsafeMutableBytes(of: &entryID.id) { $0.copyBytes(from: bytes[(end + 1)..<(end + 21)]) }
            position = end + 21
            guard let canonical = Self.canonical(mode), !name.contains(UInt8(ascii: "/")) else { throw damaged() }
            guard !Self.refused(name) else {
                throw GitFailure(
                    message: "the tree \(id.objectID.short) has an entry '\(String(decoding: path + name, as: UTF8.self))', a name git refuses in an index")
            }
            let entry = Entry(name: name, mode: canonical, id: entryID)
            if let last = entries.last, Self.treeOrder(last, entry) >= 0 {
                throw GitFailure(
                    message: "the tree \(id.objectID.short) lists '\(String(decoding: path + name, as: UTF8.self))' out of git's order (`git fsck` names it)")
            }
            entries.append(entry)
        }
    }

    /// The mode an index gives an entry of this tree mode (git's: a regular file is 644 or 755).
    private static func canonical(_ mode: UInt32) -> UInt32? {
        switch mode & 0o170000 {
        case 0o040000: GIT_FILEMODE_TREE.rawValue
        case 0o120000: GIT_FILEMODE_LINK.rawValue
        case 0o160000: GIT_FILEMODE_COMMIT.rawValue
        case 0o100000: mode & 0o100 != 0 ? GIT_FILEMODE_BLOB_EXECUTABLE.rawValue : GIT_FILEMODE_BLOB.rawValue
        default: nil
        }
    }

    /// The names git never puts in an index (its `verify_path`): ".", ".." and ".git" in any case.
    private static func refused(_ name: [UInt8]) -> Bool {
        name == [0x2e] || name == [0x2e, 0x2e] || (name.count == 4 && String(decoding: name, as: UTF8.self).lowercased() == ".git")
    }

    /// git's order of a tree's entries: by name, a directory's as if it ended in "/".
    private static func treeOrder(_ one: Entry, _ other: Entry) -> Int32 {
        let common = min(one.name.count, other.name.count)
        let order = one.name.withUnsafeBytes { a in other.name.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, common) } }
        if order != 0 { return order }
        let next = { (entry: Entry) -> Int32 in
            entry.name.count > common ? Int32(entry.name[common]) : entry.isTree ? Int32(UInt8(ascii: "/")) : 0
        }
        return next(one) - next(other)
    }
}

/// Index entries laid out one after another, with where each blob's size is to be filled in.
private struct Part {
    let seconds: UInt32
    var bytes: [UInt8] = []
    /// Where each blob entry's size field is; the entry's id follows it.
    var sizeFields: [Int] = []
    var entryCount = 0
    var node: CacheTreeNode?

    init(seconds: UInt32) { self.seconds = seconds }

    /// Appends the entries of tree `id` (whose path is `path`, ending in "/", which it leaves as it
    /// found it) and returns its node of the cache tree.
    mutating func add(tree id: git_oid, path: inout [UInt8], name: [UInt8], objects: Objects) throws -> CacheTreeNode {
        let tree = try TreeEntries(id, objects: objects, path: path)
        let node = CacheTreeNode(name: name, id: id)
        let first = entryCount
        let prefixLength = path.count
        for entry in tree.entries {
            path += entry.name
            defer { path.removeSubrange(prefixLength...) }
            if entry.isTree {
                path.append(UInt8(ascii: "/"))
                node.subtrees.append(try add(tree: entry.id, path: &path, name: entry.name, objects: objects))
            } else {
                append(path: path, mode: entry.mode, id: entry.id)
            }
        }
        node.entryCount = entryCount - first
        return node
    }

    mutating func append(path: [UInt8], mode: UInt32, id: git_oid) {
        var header = EntryHeader()
        header.ctime = seconds.bigEndian
        header.mtime = seconds.bigEndian
        header.mode = mode.bigEndian
        header.id = id.id
        header.flags = UInt16(min(path.count, 0xFFF)).bigEndian
        if mode != GIT_FILEMODE_COMMIT.rawValue { sizeFields.append(bytes.count + EntryHeader.sizeField) }
        withUnsafeBytes(of: &header) { bytes.append(contentsOf: $0.prefix(EntryHeader.length)) }
        bytes += path
        // Entries are NUL-padded to a multiple of eight bytes, with at least one NUL.
        let length = EntryHeader.length + path.count
        bytes.append(contentsOf: repeatElement(0, count: (length + 8) & ~7 - length))
        entryCount += 1
    }

    /// Fills in the size of every blob entry: from the packs on every core, the rest through libgit2.
    mutating func readSizes(objects: Objects, workers: Int) throws {
        let fields = sizeFields
        let unpacked = Mutex<[Int]>([])
        let nextBlock = Atomic<Int>(0)
        let block = 512
        bytes.withUnsafeMutableBytes { buffer in
            let base = SharedBuffer(pointer: buffer.baseAddress!)
            onThreads(workers) { _ in
                var missed: [Int] = []
                while case let start = nextBlock.add(block, ordering: .relaxed).oldValue, start < fields.count {
                    for field in fields[start..<min(fields.count, start + block)] {
                        if let size = objects.packs.size(of: base.pointer + field + 4) {
                            (base.pointer + field).storeBytes(of: UInt32(truncatingIfNeeded: size).bigEndian, as: UInt32.self)
                        } else {
                            missed.append(field)
                        }
                    }
                }
                unpacked.withLock { $0 += missed }
            }
        }
        for field in unpacked.withLock({ $0 }) {
            var id = git_oid()
            withUnsafeMutableBytes(of: &id.id) { $0.copyBytes(from: bytes[(field + 4)..<(field + 24)]) }
            var length = 0
            var type = GIT_OBJECT_ANY
            guard git_odb_read_header(&length, &type, objects.database, &id) == 0 else {
                throw GitFailure("reading the size of \(id.objectID.short)")
            }
            bytes.replaceSubrange(field..<(field + 4), with: bigEndian(UInt32(truncatingIfNeeded: length)))
        }
    }
}

/// The fixed part of an index entry, in the file's byte order once its fields are big-endian.
private struct EntryHeader {
    var ctime: UInt32 = 0
    var ctimeNanoseconds: UInt32 = 0
    var mtime: UInt32 = 0
    var mtimeNanoseconds: UInt32 = 0
    var device: UInt32 = 0
    var inode: UInt32 = 0
    var mode: UInt32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
    var size: UInt32 = 0
    var id: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var flags: UInt16 = 0

    static let length = 62
    static let sizeField = 36
}

/// One tree of the index's cache tree: how many index entries lie under it, its id, its subtrees.
private final class CacheTreeNode: @unchecked Sendable {  // built by one thread, then only read
    let name: [UInt8]
    let id: git_oid
    var entryCount = 0
    var subtrees: [CacheTreeNode] = []

    init(name: [UInt8], id: git_oid) {
        self.name = name
        self.id = id
    }

    /// The node as git's cache tree extension writes it: path component, NUL, "entries subtrees\n",
    /// the id, then the subtrees, shortest name first (git's order).
    func write(to data: inout [UInt8]) {
        data += name + [0] + Array("\(entryCount) \(subtrees.count)\n".utf8)
        withUnsafeBytes(of: id.id) { data += $0 }
        let ordered = subtrees.sorted {
            $0.name.count != $1.name.count ? $0.name.count < $1.name.count : $0.name.lexicographicallyPrecedes($1.name)
        }
        for subtree in ordered { subtree.write(to: &data) }
    }
}

private func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
}

/// The index's bytes as the size readers share them: each writes only its own entries' size fields.
private struct SharedBuffer: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}
