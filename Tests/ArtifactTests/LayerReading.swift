import CArchive
import ScorpioTestSupport
import SystemPackage

struct ReadEntry: Equatable {
    var name: String
    var mode: UInt32
    var size: Int64
    var mtime: Int
    var symlink: String?
    var hardlink: String?
    var xattrs: [String: String]
}

struct ArchiveReadFailure: Error { let message: String }

/// Every entry of `layer` as libarchive's reader sees it (the compressions a layer may have).
func readLayer(_ layer: FilePath) throws -> [ReadEntry] {
    let reader = archive_read_new()
    defer { archive_read_free(reader) }
    archive_read_support_filter_gzip(reader)
    archive_read_support_filter_zstd(reader)
    archive_read_support_format_tar(reader)
    guard archive_read_open_filename(reader, layer.string, 65536) == ARCHIVE_OK else {
        throw ArchiveReadFailure(message: String(cString: archive_error_string(reader)))
    }
    var entries: [ReadEntry] = []
    var entry: OpaquePointer?
    while true {
        let status = archive_read_next_header(reader, &entry)
        if status == ARCHIVE_EOF { break }
        guard status == ARCHIVE_OK, let entry else {
            throw ArchiveReadFailure(message: String(cString: archive_error_string(reader)))
        }
        var xattrs: [String: String] = [:]
        archive_entry_xattr_reset(entry)
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK, let name {
            xattrs[String(cString: name)] = value.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: size), as: UTF8.self) } ?? ""
        }
        var path = String(cString: archive_entry_pathname(entry))
        if path.hasSuffix("/") { path.removeLast() }
        entries.append(ReadEntry(
            name: path, mode: UInt32(archive_entry_mode(entry)), size: archive_entry_size(entry),
            mtime: archive_entry_mtime(entry), symlink: archive_entry_symlink(entry).map { String(cString: $0) },
            hardlink: archive_entry_hardlink(entry).map { String(cString: $0) }, xattrs: xattrs))
        archive_read_data_skip(reader)
    }
    return entries
}

/// Applies `layer` over `root` as container runtimes do: remove what each `.wh.<name>` names, empty
/// each directory holding `.wh..wh..opq`, then extract everything else.
func applyLikeAContainerRuntime(_ layer: FilePath, onto root: FilePath) throws {
    for name in try tarNames(layer) {
        let path = name.hasSuffix("/") ? String(name.dropLast()) : name
        let parent = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let base = path.split(separator: "/").last.map(String.init) ?? path
        if base == ".wh..wh..opq" {
            try run("find '\(root)/\(parent)' -mindepth 1 -delete")
        } else if base.hasPrefix(".wh.") {
            try run("rm -rf '\(root)/\(parent)/\(base.dropFirst(4))'")
        }
    }
    try run("tar --xattrs --xattrs-include='*' --exclude='.wh.*' -xf '\(layer)' -C '\(root)'")
}
