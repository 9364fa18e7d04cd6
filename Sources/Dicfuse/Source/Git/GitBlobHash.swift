import Crypto
import Glibc
import SystemPackage

/// Git blob ids (the git and Mega sources): SHA-1 of `blob <size>\0` followed by the bytes. Hashed with
/// swift-crypto's SHA-1 (the CPU's SHA instructions where it has them), many times faster than
/// libgit2's collision-detecting one; every blob a cold base reads is hashed once on its way into the
/// content store.
enum GitBlobHash {
    /// Whether `content` (a file of `size` bytes) is the blob `id`; hashed over a read-only mapping.
    static func matches(_ id: ObjectID, content: FileDescriptor, size: UInt64) throws(SourceError) -> Bool {
        guard id.bytes.count == 20 else {
            throw .corruptObject(id, reason: "only SHA-1 blob ids can be verified, this one has \(id.bytes.count) bytes")
        }
        var status = stat()
        guard fstat(content.rawValue, &status) == 0 else {
            throw .io("content store", reason: "cannot stat blob \(id.short) to verify it: \(Errno(rawValue: errno))")
        }
        // Mapping past the end of a short file would fault on access.
        guard status.st_size == off_t(size) else { return false }
        if size == 0 { return Self.id(of: []) == id }
        guard let length = Int(exactly: size),
            let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, content.rawValue, 0), mapped != MAP_FAILED
        else {
            throw .io("content store", reason: "cannot map blob \(id.short) to verify it: \(Errno(rawValue: errno))")
        }
        defer { munmap(mapped, length) }
        return Self.id(ofBlob: UnsafeRawBufferPointer(start: mapped, count: length)) == id
    }

    /// The blob id of `bytes`.
    static func id(of bytes: [UInt8]) -> ObjectID {
        bytes.withUnsafeBytes { id(ofBlob: $0) }
    }

    private static func id(ofBlob content: UnsafeRawBufferPointer) -> ObjectID {
        var hasher = Insecure.SHA1()
        hasher.update(data: Array("blob \(content.count)\0".utf8))
        hasher.update(bufferPointer: content)
        return ObjectID(bytes: Array(hasher.finalize()))
    }
}
