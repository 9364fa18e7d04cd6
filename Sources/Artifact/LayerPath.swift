/// Paths inside a layer: validation, the OCI whiteout names and the order entries are written in.
enum LayerPath {
    static let whiteoutPrefix = ".wh."
    static let opaqueMarker = ".wh..wh..opq"

    /// `path` without leading or trailing slashes, or nil when it is empty or climbs out of the layer.
    static func normalized(_ path: String) -> String? {
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.isEmpty, !components.contains(where: { $0 == ".." }) else { return nil }
        let kept = components.filter { $0 != "." }
        return kept.isEmpty ? nil : kept.joined(separator: "/")
    }

    /// The whiteout that deletes `path`: `.wh.<name>` beside it.
    static func whiteout(for path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return whiteoutPrefix + path }
        return "\(path[...slash])\(whiteoutPrefix)\(path[path.index(after: slash)...])"
    }

    static func opaqueMarker(in directory: String) -> String { "\(directory)/\(opaqueMarker)" }

    /// Component-wise byte order: a directory comes right before its own children, whatever characters
    /// its siblings' names hold (plain string order would put `a-b` between `a` and `a/b`).
    static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lazy.map { $0 == UInt8(ascii: "/") ? 0 : $0 }
            .lexicographicallyPrecedes(rhs.utf8.lazy.map { $0 == UInt8(ascii: "/") ? 0 : $0 })
    }
}
