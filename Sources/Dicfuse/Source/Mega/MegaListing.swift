import Foundation
import SystemPackage

/// Turns the children of a content-hash answer into tree entries with exact sizes.
///
/// Kinds: the optional `mode` decides when present (exec bit, symlink, submodule); without it the
/// documented `content_type` only tells files (regular, 0644) from directories.
/// Sizes: the optional `size` when present; otherwise each blob's length is asked of the server at
/// listing time (``MegaBlobSizeResolver``), because `stat` must be exact before anything is read.
enum MegaListing {
    static func entries(
        from items: [MegaContentHashItem],
        url: URL,
        sizes: MegaBlobSizeResolver
    ) throws(SourceError) -> [TreeEntry] {
        let invalid = { (item: MegaContentHashItem, reason: String) in
            SourceError.server(url: url.absoluteString, reason: "entry '\(item.name)': \(reason)")
        }
        var entries: [TreeEntry] = []
        entries.reserveCapacity(items.count)
        var names = Set<String>()
        var unsized: [Int] = []
        for item in items {
            guard let name = FilePath.Component(item.name), name.kind == .regular, !item.name.contains("\0") else {
                throw invalid(item, "not a valid file name")
            }
            guard names.insert(item.name).inserted else { throw invalid(item, "listed twice") }
            guard let id = ObjectID(hex: item.oid) else { throw invalid(item, "oid '\(item.oid)' is not hexadecimal") }
            let kind = try self.kind(of: item, invalid: invalid)
            if hasContent(kind) && item.size == nil { unsized.append(entries.count) }
            entries.append(TreeEntry(name: name, kind: kind, objectID: id, size: hasContent(kind) ? item.size ?? 0 : 0))
        }
        let looked = try sizes.sizes(of: unsized.map { entries[$0].objectID })
        for (index, size) in zip(unsized, looked) { entries[index].size = size }
        return entries
    }

    private static func kind(
        of item: MegaContentHashItem,
        invalid: (MegaContentHashItem, String) -> SourceError
    ) throws(SourceError) -> TreeEntryKind {
        if let mode = item.mode {
            switch mode.bits & 0o170000 {
            case 0o040000: return .directory
            case 0o120000: return .symlink
            case 0o160000: return .submodule
            case 0o100000: return .file(executable: mode.bits & 0o111 != 0)
            default: throw invalid(item, "unknown mode \(String(mode.bits, radix: 8))")
            }
        }
        switch item.contentType {
        case "directory": return .directory
        case "file": return .file(executable: false)
        default: throw invalid(item, "unknown content_type '\(item.contentType)'")
        }
    }

    /// Files and symlinks have a blob; directories and submodules do not (nor special files, which
    /// the Mega API never lists).
    static func hasContent(_ kind: TreeEntryKind) -> Bool {
        switch kind {
        case .file, .symlink: true
        case .directory, .submodule, .fifo, .socket, .characterDevice, .blockDevice: false
        }
    }
}
