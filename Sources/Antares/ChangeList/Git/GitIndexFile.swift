import Glibc
import SystemPackage

/// A repository's index (`.git/index`) read straight from its file format (versions 2, 3 and 4, SHA-1
/// object ids): each entry's path, mode, object id, flags and the stat data git compares a work-tree
/// file with, and the cache tree (the `TREE` extension) when there is one.
///
/// Read in one pass without per-entry allocations: paths live in one byte buffer. An index this does not
/// understand (a split or sparse index, another object format) throws ``Unsupported``, and the caller
/// asks libgit2 instead.
struct GitIndexFile: Sendable {
    struct Unsupported: Error, CustomStringConvertible {
        let description: String
    }

    struct Entry: Sendable {
        /// The path's bytes in ``GitIndexFile/paths``.
        var pathStart: Int32
        var pathLength: Int32
        var ctimeSeconds: UInt32
        var ctimeNanoseconds: UInt32
        var mtimeSeconds: UInt32
        var mtimeNanoseconds: UInt32
        var inode: UInt32
        var mode: UInt32
        var uid: UInt32
        var gid: UInt32
        var size: UInt32
        /// Offset of the 20-byte object id in ``GitIndexFile/objectIDs``.
        var objectID: ObjectIDBytes
        var flags: UInt16
        var extendedFlags: UInt16

        var stage: Int { Int(flags >> 12) & 3 }
        /// `git update-index --assume-unchanged`: git does not look at the file.
        var assumesUnchanged: Bool { flags & 0x8000 != 0 }
        /// Outside a sparse checkout: git does not look at the file either.
        var skipsWorktree: Bool { extendedFlags & 0x4000 != 0 }
        /// `git add -N`: recorded, content not yet staged.
        var isIntentToAdd: Bool { extendedFlags & 0x2000 != 0 }
        var isGitlink: Bool { mode & 0o170000 == 0o160000 }
        var isSymlink: Bool { mode & 0o170000 == 0o120000 }
    }

    /// The 20 bytes of a SHA-1 object id.
    struct ObjectIDBytes: Equatable, Sendable {
        var head: (UInt64, UInt64)
        var tail: UInt32

        init(_ bytes: UnsafeRawBufferPointer) {
            head = (bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            tail = bytes.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
        }

        init(_ bytes: [UInt8]) {
            self = bytes.withUnsafeBytes { ObjectIDBytes($0) }
        }

        static func == (lhs: Self, rhs: Self) -> Bool { lhs.head == rhs.head && lhs.tail == rhs.tail }

        /// The id of the empty blob (`e69de29b…`).
        static let emptyBlob = ObjectIDBytes([
            0xe6, 0x9d, 0xe2, 0x9b, 0xb2, 0xd1, 0xd6, 0x43, 0x4b, 0x8b, 0x29, 0xae, 0x77, 0x5a, 0xd8, 0xc2, 0xe4, 0x8c, 0x53, 0x91,
        ])
    }

    let entries: [Entry]
    /// Every entry's path, one after the other (no separators).
    let paths: [UInt8]
    let cacheTree: GitCacheTree?
    /// The index file's modification time when it was read: entries modified at or after it are racily
    /// clean (git cannot trust their stat data).
    let timestamp: timespec

    init(path: FilePath) throws {
        let descriptor = open(path.string, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Unsupported(description: "cannot open \(path): \(Errno(rawValue: errno))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Unsupported(description: "cannot stat \(path): \(Errno(rawValue: errno))") }
        // git replaces the index by renaming a new file over it: the one opened is read whole, and its
        // mtime is the time it was written.
        timestamp = status.st_mtim
        let size = Int(status.st_size)
        guard size > 0, let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapping != MAP_FAILED else {
            throw Unsupported(description: "cannot map \(path): \(size == 0 ? "empty" : "\(Errno(rawValue: errno))")")
        }
        defer { munmap(mapping, size) }
        do {
            (entries, paths, cacheTree) = try Self.parse(UnsafeRawBufferPointer(start: mapping, count: size))
        } catch is ByteReader.Truncated {
            throw Unsupported(description: "\(path) is truncated or corrupt")
        }
    }

    func pathString(of entry: Entry) -> String {
        String(decoding: paths[Int(entry.pathStart)..<Int(entry.pathStart + entry.pathLength)], as: UTF8.self)
    }

    private static let hashSize = 20

    private static let mandatoryExtensions = [
        "link": "a split index (core.splitIndex; `git update-index --no-split-index` turns it off)",
        "sdir": "a sparse index (index.sparse; `git sparse-checkout init --no-sparse-index` turns it off)",
    ]

    private static func parse(_ data: UnsafeRawBufferPointer) throws -> ([Entry], [UInt8], GitCacheTree?) {
        var reader = ByteReader(data: data, end: data.count - hashSize)
        guard data.count >= 12 + hashSize, try reader.bytes(4).elementsEqual("DIRC".utf8) else {
            throw Unsupported(description: "not an index file")
        }
        let version = try reader.uint32()
        guard (2...4).contains(version) else { throw Unsupported(description: "index version \(version)") }
        let count = Int(try reader.uint32())
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        var paths: [UInt8] = []
        paths.reserveCapacity(count * 40)
        var previousPath: [UInt8] = []
        for _ in 0..<count {
            let start = reader.offset
            let stat = try reader.bytes(40)
            let word = { (index: Int) in UInt32(bigEndian: stat.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)) }
            let objectID = ObjectIDBytes(try reader.bytes(hashSize))
            let flags = try reader.uint16()
            var extendedFlags: UInt16 = 0
            if flags & 0x4000 != 0 {
                guard version >= 3 else { throw Unsupported(description: "an extended entry in a version 2 index") }
                extendedFlags = try reader.uint16()
            }
            let pathStart = paths.count
            if version == 4 {
                // The path is the previous one less its last `strip` bytes, then the bytes given.
                let strip = try reader.varint()
                guard strip <= previousPath.count else { throw Unsupported(description: "a corrupt path in the index") }
                previousPath.removeLast(strip)
                previousPath.append(contentsOf: try reader.cString())
                paths.append(contentsOf: previousPath)
            } else {
                paths.append(contentsOf: try reader.cString())
                let length = reader.offset - start
                try reader.skip((length + 7) / 8 * 8 - length)
            }
            entries.append(Entry(
                pathStart: Int32(pathStart), pathLength: Int32(paths.count - pathStart),
                ctimeSeconds: word(0), ctimeNanoseconds: word(1), mtimeSeconds: word(2), mtimeNanoseconds: word(3),
                inode: word(5), mode: word(6), uid: word(7), gid: word(8), size: word(9),
                objectID: objectID, flags: flags, extendedFlags: extendedFlags))
        }
        var cacheTree: GitCacheTree?
        while reader.offset < reader.end {
            let signature = try reader.bytes(4)
            let size = Int(try reader.uint32())
            let body = try reader.bytes(size)
            if signature.elementsEqual("TREE".utf8) {
                cacheTree = try? GitCacheTree(parsing: body)
            } else if !(UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(signature[0]) {
                // A lowercase signature marks an extension a reader must understand.
                let name = String(decoding: signature, as: UTF8.self)
                throw Unsupported(description: Self.mandatoryExtensions[name] ?? "index extension '\(name)'")
            }
        }
        return (entries, paths, cacheTree)
    }
}

/// Reads big-endian numbers, byte runs and NUL-terminated strings from a buffer, never past `end`.
struct ByteReader {
    let data: UnsafeRawBufferPointer
    let end: Int
    private(set) var offset = 0

    init(data: UnsafeRawBufferPointer, end: Int? = nil) {
        self.data = data
        self.end = end ?? data.count
    }

    struct Truncated: Error {}

    mutating func bytes(_ count: Int) throws(Truncated) -> UnsafeRawBufferPointer {
        guard count >= 0, end - offset >= count else { throw Truncated() }
        defer { offset += count }
        return UnsafeRawBufferPointer(start: data.baseAddress! + offset, count: count)
    }

    mutating func skip(_ count: Int) throws(Truncated) { _ = try bytes(count) }

    mutating func uint32() throws(Truncated) -> UInt32 {
        UInt32(bigEndian: try bytes(4).loadUnaligned(as: UInt32.self))
    }

    mutating func uint16() throws(Truncated) -> UInt16 {
        UInt16(bigEndian: try bytes(2).loadUnaligned(as: UInt16.self))
    }

    /// The bytes up to the next NUL; the NUL is consumed.
    mutating func cString() throws(Truncated) -> UnsafeBufferPointer<UInt8> {
        try bytes(upTo: 0)
    }

    /// The bytes up to `terminator`, which is consumed.
    mutating func bytes(upTo terminator: UInt8) throws(Truncated) -> UnsafeBufferPointer<UInt8> {
        let start = data.baseAddress! + offset
        guard end > offset, let found = memchr(start, Int32(terminator), end - offset) else { throw Truncated() }
        let count = UnsafeRawPointer(found) - start
        offset += count + 1
        return UnsafeBufferPointer(start: start.assumingMemoryBound(to: UInt8.self), count: count)
    }

    /// Git's offset varint (index v4 path prefixes): 7 bits a byte, high bit = more, each continuation +1.
    mutating func varint() throws(Truncated) -> Int {
        var byte = try bytes(1)[0]
        var value = Int(byte & 0x7f)
        while byte & 0x80 != 0 {
            guard value < (1 << 48) else { throw Truncated() }
            byte = try bytes(1)[0]
            value = ((value + 1) << 7) | Int(byte & 0x7f)
        }
        return value
    }
}
