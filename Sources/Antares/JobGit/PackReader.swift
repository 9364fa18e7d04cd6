import CZlib
import Glibc
import SystemPackage

/// Objects read straight from a repository's pack files (index version 2): an object's size from its
/// entry header (a delta's from the delta's own header), and a whole object's bytes. No lock is taken
/// and nothing is cached, so any number of threads read at once; libgit2 serializes every pack read
/// on one global lock. Whatever this cannot answer — a loose object, an alternate's, a delta's bytes,
/// a pack in a format it does not know, a damaged entry — is nil, for libgit2 to read (and report).
final class PackReader: @unchecked Sendable {  // immutable once made
    private let packs: [Pack]
    private let mappings: [MappedFile]

    /// The packs in `objects`/pack (a repository's object directory); a pack it cannot read is skipped.
    init(objects: FilePath) {
        let directory = objects.appending("pack")
        var packs: [Pack] = []
        var mappings: [MappedFile] = []
        if let stream = opendir(directory.string) {
            defer { closedir(stream) }
            while let entry = readdir(stream) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard name.hasPrefix("pack-"), name.hasSuffix(".idx") else { continue }
                let stem = directory.appending(String(name.dropLast(4))).string
                guard let index = MappedFile(FilePath(stem + ".idx")), let pack = MappedFile(FilePath(stem + ".pack")) else { continue }
                mappings += [index, pack]
                if let pack = Pack(index: index.bytes, pack: pack.bytes) { packs.append(pack) }
            }
        }
        self.packs = packs
        self.mappings = mappings
    }

    /// The size of the object whose 20-byte id is at `id`.
    func size(of id: UnsafeRawPointer) -> Int? {
        guard let (pack, offset) = locate(id), let entry = pack.entry(at: offset) else { return nil }
        return entry.isDelta ? pack.deltaResultSize(entry) : entry.size
    }

    /// The bytes of the object whose 20-byte id is at `id`, if a pack stores it whole as `type`
    /// (1 commit, 2 tree, 3 blob, 4 tag).
    func wholeObject(_ id: UnsafeRawPointer, type: UInt8) -> [UInt8]? {
        // A size beyond any real tree's (a damaged header) is libgit2's to report.
        guard let (pack, offset) = locate(id), let entry = pack.entry(at: offset), entry.type == type, entry.size <= 1 << 28 else { return nil }
        return pack.inflate(entry)
    }

    private func locate(_ id: UnsafeRawPointer) -> (Pack, Int)? {
        for pack in packs {
            if let offset = pack.offset(of: id) { return (pack, offset) }
        }
        return nil
    }
}

/// A pack file and its index, mapped read-only.
private struct Pack {
    private let index: MappedBytes
    private let pack: MappedBytes
    private let count: Int

    private static let fanout = 8
    private static let ids = fanout + 256 * 4

    /// An object's entry: its type (6 and 7 are deltas), its size as stored (a delta's is the delta's),
    /// and where its zlib stream starts.
    struct Entry {
        let type: UInt8
        let size: Int
        let data: Int
        var isDelta: Bool { type == 6 || type == 7 }
    }

    init?(index: MappedBytes, pack: MappedBytes) {
        guard index.length >= Self.ids + 40, index.word(0) == 0xff74_4f63, index.word(4) == 2,  // "\377tOc", version 2
            pack.length >= 32, pack.word(0) == 0x5041_434b  // "PACK"
        else { return nil }
        count = Int(index.word(Self.fanout + 255 * 4))
        guard index.length >= Self.ids + count * 28 + 40 else { return nil }
        self.index = index
        self.pack = pack
    }

    /// Where the object `id` starts in the pack, if the pack holds it.
    func offset(of id: UnsafeRawPointer) -> Int? {
        let first = Int(id.load(as: UInt8.self))
        var low = first == 0 ? 0 : Int(index.word(Self.fanout + (first - 1) * 4))
        var high = Int(index.word(Self.fanout + first * 4))
        guard low <= high, high <= count else { return nil }
        while low < high {
            let middle = (low + high) / 2
            let order = memcmp(index.base + Self.ids + middle * 20, id, 20)
            if order == 0 { return objectOffset(middle) }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    private func objectOffset(_ position: Int) -> Int? {
        let offsets = Self.ids + count * 24
        let small = index.word(offsets + position * 4)
        guard small & 0x8000_0000 != 0 else { return Int(small) }
        let large = offsets + count * 4 + Int(small & 0x7fff_ffff) * 8
        guard large + 8 <= index.length - 40 else { return nil }
        let value = UInt64(index.word(large)) << 32 | UInt64(index.word(large + 4))
        return value < UInt64(Int.max) ? Int(value) : nil
    }

    /// The entry header at `offset`: type and size, then for a delta its base (an offset or an id).
    func entry(at offset: Int) -> Entry? {
        let end = pack.length - 20
        guard offset >= 12, offset < end else { return nil }
        var position = offset
        var byte = pack.byte(position)
        let type = (byte >> 4) & 7
        var size = Int(byte & 0x0f)
        var shift = 4
        while byte & 0x80 != 0 {
            position += 1
            guard position < end, shift <= 56 else { return nil }
            byte = pack.byte(position)
            size |= Int(byte & 0x7f) << shift
            shift += 7
        }
        position += 1
        switch type {
        case 1...4: break
        case 6:  // the base's offset back from here, in its own variable-length encoding
            repeat {
                guard position < end else { return nil }
                byte = pack.byte(position)
                position += 1
            } while byte & 0x80 != 0
        case 7: position += 20  // the base's id
        default: return nil
        }
        guard position < end else { return nil }
        return Entry(type: type, size: size, data: position)
    }

    /// The whole of `entry`'s zlib stream inflated, if it is exactly `entry.size` bytes.
    func inflate(_ entry: Entry) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: entry.size)
        let produced = output.withUnsafeMutableBytes { inflate(entry, into: $0, finish: true) }
        return produced == entry.size ? output : nil
    }

    /// The size a delta makes: its header is the base's size and then the result's, each in 7-bit
    /// groups, least significant first.
    func deltaResultSize(_ entry: Entry) -> Int? {
        var header = (UInt64(0), UInt64(0), UInt64(0))  // 24 bytes: room for both sizes
        let produced = withUnsafeMutableBytes(of: &header) { buffer in
            inflate(entry, into: UnsafeMutableRawBufferPointer(rebasing: buffer.prefix(min(buffer.count, entry.size))), finish: false)
        }
        guard let produced else { return nil }
        return withUnsafeBytes(of: &header) { bytes -> Int? in
            var position = 0
            var result = 0
            for field in 0..<2 {
                var value = 0
                var shift = 0
                var byte: UInt8
                repeat {
                    guard position < produced, shift <= 56 else { return nil }
                    byte = bytes[position]
                    position += 1
                    value |= Int(byte & 0x7f) << shift
                    shift += 7
                } while byte & 0x80 != 0
                if field == 1 { result = value }
            }
            return result
        }
    }

    /// Inflates `entry`'s stream into `output`: all of it (`finish`) or as much as fits. Returns the
    /// bytes produced, nil if the stream is damaged.
    private func inflate(_ entry: Entry, into output: UnsafeMutableRawBufferPointer, finish: Bool) -> Int? {
        var stream = z_stream()
        guard scorpio_inflate_init(&stream) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: (pack.base + entry.data).assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(min(pack.length - 20 - entry.data, Int(UInt32.max)))
        // zlib wants somewhere to write even when nothing is expected.
        var none: UInt8 = 0
        let status = withUnsafeMutablePointer(to: &none) { empty -> Int32 in
            stream.next_out = output.count > 0 ? output.baseAddress!.assumingMemoryBound(to: Bytef.self) : empty
            stream.avail_out = uInt(max(output.count, 1))
            return CZlib.inflate(&stream, finish ? Z_FINISH : Z_SYNC_FLUSH)
        }
        if finish { return status == Z_STREAM_END && stream.total_out == output.count ? output.count : nil }
        return status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR ? Int(stream.total_out) : nil
    }
}

/// A whole file mapped read-only, unmapped with this object.
private final class MappedFile {
    let bytes: MappedBytes

    init?(_ path: FilePath) {
        let descriptor = open(path.string, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size > 0,
            let mapped = mmap(nil, Int(status.st_size), PROT_READ, MAP_SHARED, descriptor, 0), mapped != MAP_FAILED
        else { return nil }
        bytes = MappedBytes(base: UnsafeRawPointer(mapped), length: Int(status.st_size))
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.base), bytes.length) }
}

/// The bytes of a mapped file (its ``MappedFile`` keeps them mapped).
private struct MappedBytes {
    let base: UnsafeRawPointer
    let length: Int

    func byte(_ offset: Int) -> UInt8 { base.load(fromByteOffset: offset, as: UInt8.self) }

    func word(_ offset: Int) -> UInt32 { UInt32(bigEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
}
