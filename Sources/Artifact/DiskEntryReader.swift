import CArchive
import Glibc
import SystemPackage

/// A libarchive entry describing a file on disk as a layer records it: type, permissions, numeric
/// owner, mtime, symlink target, device numbers and xattrs (overlayfs's own left out). No user or group
/// names, access or change times, ACLs, file flags or sparse maps: the same tree gives the same layer.
struct DiskEntryReader: ~Copyable {
    private let disk: OpaquePointer

    init() {
        disk = archive_read_disk_new()
        archive_read_disk_set_symlink_physical(disk)
        archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_ACL | ARCHIVE_READDISK_NO_FFLAGS | ARCHIVE_READDISK_NO_SPARSE)
    }

    deinit { archive_read_free(disk) }

    /// A new entry (the caller frees it) for `source` as `path` in the layer.
    func entry(for source: FilePath, status: stat, path: String) throws(ArtifactError) -> OpaquePointer {
        let entry = archive_entry_new()!
        archive_entry_copy_sourcepath(entry, source.string)
        var status = status
        guard archive_read_disk_entry_from_file(disk, entry, -1, &status) >= ARCHIVE_WARN else {
            let message = archive_error_string(disk).map { String(cString: $0) } ?? "unreadable"
            archive_entry_free(entry)
            throw .archive(path: source.string, message: message)
        }
        archive_entry_copy_pathname(entry, path)
        archive_entry_unset_atime(entry)
        archive_entry_unset_ctime(entry)
        archive_entry_unset_birthtime(entry)
        Self.keepPortableXattrs(of: entry)
        return entry
    }

    /// Drops overlayfs's internal xattrs (`trusted.overlay.*`, `user.overlay.*`) and sorts the rest by name.
    private static func keepPortableXattrs(of entry: OpaquePointer) {
        guard archive_entry_xattr_count(entry) > 0 else { return }
        var kept: [(name: String, value: [UInt8])] = []
        archive_entry_xattr_reset(entry)
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK {
            guard let name else { continue }
            let text = String(cString: name)
            guard !text.hasPrefix("trusted.overlay."), !text.hasPrefix("user.overlay.") else { continue }
            kept.append((text, value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []))
        }
        archive_entry_xattr_clear(entry)
        for xattr in kept.sorted(by: { $0.name < $1.name }) {
            xattr.value.withUnsafeBytes { archive_entry_xattr_add_entry(entry, xattr.name, $0.baseAddress, $0.count) }
        }
    }
}
