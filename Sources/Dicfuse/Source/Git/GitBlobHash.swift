import CGit2
import Glibc
import SystemPackage

/// Git blob ids (the git and Mega sources), computed by libgit2: SHA-1 of `blob <size>\0` followed by the bytes.
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
        LibGit2.ensureInitialized()

        var computed = git_oid()
        if size == 0 {
            guard git_odb_hash(&computed, nil, 0, GIT_OBJECT_BLOB) == 0 else { throw hashFailure(id) }
            return ObjectID(computed) == id
        }
        guard let length = Int(exactly: size),
            let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, content.rawValue, 0), mapped != MAP_FAILED
        else {
            throw .io("content store", reason: "cannot map blob \(id.short) to verify it: \(Errno(rawValue: errno))")
        }
        defer { munmap(mapped, length) }
        guard git_odb_hash(&computed, mapped, length, GIT_OBJECT_BLOB) == 0 else { throw hashFailure(id) }
        return ObjectID(computed) == id
    }

    /// The blob id of `bytes`.
    static func id(of bytes: [UInt8]) -> ObjectID {
        LibGit2.ensureInitialized()
        var computed = git_oid()
        _ = bytes.withUnsafeBytes { git_odb_hash(&computed, $0.baseAddress, $0.count, GIT_OBJECT_BLOB) }
        return ObjectID(computed)
    }

    private static func hashFailure(_ id: ObjectID) -> SourceError {
        .corruptObject(id, reason: "libgit2 could not hash it: \(LibGit2.lastErrorMessage)")
    }
}
