/// Paths inside a layer: validation, the OCI whiteout names and the order entries are written in.
enum LayerPath {
    static let whiteoutPrefix = ".wh."
    static let opaqueMarker = ".wh..wh..opq"

    /// `path` without leading or trailing slashes, or nil when it is empty or climbs out of the layer.
    static func normalized(_ path: String) -> String? {
        if isNormalized(path) { return path }
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.isEmpty, !components.contains(where: { $0 == ".." }) else { return nil }
        let kept = components.filter { $0 != "." }
        return kept.isEmpty ? nil : kept.joined(separator: "/")
    }

    /// Whether `path` is already what `normalized` makes of it: non-empty components joined by single
    /// slashes, none of them `.` or `..`. Most paths are; they are then kept without being split.
    private static func isNormalized(_ path: String) -> Bool {
        var length = 0
        var onlyDots = true
        for byte in path.utf8 {
            if byte == UInt8(ascii: "/") {
                guard length > 0, !(onlyDots && length <= 2) else { return false }
                length = 0
                onlyDots = true
            } else {
                length += 1
                onlyDots = onlyDots && byte == UInt8(ascii: ".")
            }
        }
        return length > 0 && !(onlyDots && length <= 2)
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
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in rhs.withUTF8 { right in precedes(left, right) } }
    }

    private static func precedes(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Bool {
        let common = min(left.count, right.count)
        var index = 0
        while index < common, left[index] == right[index] { index += 1 }
        guard index < common else { return left.count < right.count }
        return sortKey(left[index]) < sortKey(right[index])
    }

    /// A slash sorts before every other byte.
    private static func sortKey(_ byte: UInt8) -> UInt8 { byte == UInt8(ascii: "/") ? 0 : byte }
}
