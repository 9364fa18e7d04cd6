/// The three layers of a union, top down: the upper takes writes; the middle is the change-list layer
/// (read-only, overlayfs's format); the lowest is the base (served through Dicfuse on Scorpio's side).
enum Layer: String, Sendable, CaseIterable, CustomStringConvertible {
    case upper, middle, lowest

    var description: String { rawValue }
}

/// One entry a case places in a layer before the union is mounted, relative to the case's directory.
struct LayerEntry: Sendable {
    enum Kind: Sendable {
        case file(String)
        case directory(opaque: Bool)
        case symlink(String)
        /// overlayfs's whiteout: a character device 0/0 (only in the upper or middle layer).
        case whiteout
        case fifo
        /// Another name for the file at this path (relative to the case) in the same layer.
        case hardlink(String)
    }

    var layer: Layer
    var path: String
    var kind: Kind
    var mode: UInt32?
    var owner: Identity?
    var xattrs: [(name: String, value: String)] = []

    static func file(_ path: String, in layer: Layer, _ content: String = "data", mode: UInt32 = 0o644, owner: Identity? = nil,
        xattrs: [(name: String, value: String)] = []) -> LayerEntry {
        LayerEntry(layer: layer, path: path, kind: .file(content), mode: mode, owner: owner, xattrs: xattrs)
    }

    static func directory(_ path: String, in layer: Layer, mode: UInt32 = 0o755, owner: Identity? = nil, opaque: Bool = false,
        xattrs: [(name: String, value: String)] = []) -> LayerEntry {
        LayerEntry(layer: layer, path: path, kind: .directory(opaque: opaque), mode: mode, owner: owner, xattrs: xattrs)
    }

    static func symlink(_ path: String, in layer: Layer, to target: String, owner: Identity? = nil) -> LayerEntry {
        LayerEntry(layer: layer, path: path, kind: .symlink(target), mode: nil, owner: owner)
    }

    static func whiteout(_ path: String, in layer: Layer) -> LayerEntry {
        LayerEntry(layer: layer, path: path, kind: .whiteout, mode: nil, owner: Identity(uid: 0, gid: 0))
    }

    static func fifo(_ path: String, in layer: Layer, mode: UInt32 = 0o644, owner: Identity? = nil) -> LayerEntry {
        LayerEntry(layer: layer, path: path, kind: .fifo, mode: mode, owner: owner)
    }

    static func hardlink(_ path: String, in layer: Layer, to existing: String) -> LayerEntry {
        LayerEntry(layer: layer, path: path, kind: .hardlink(existing), mode: nil, owner: nil)
    }

    var isDirectory: Bool {
        if case .directory = kind { return true }
        return false
    }

    var summary: String {
        let what: String
        switch kind {
        case .file(let content): what = "file \"\(content)\""
        case .directory(let opaque): what = opaque ? "opaque dir" : "dir"
        case .symlink(let target): what = "symlink → \(target)"
        case .whiteout: what = "whiteout"
        case .fifo: what = "fifo"
        case .hardlink(let existing): what = "hard link to \(existing)"
        }
        let modeText = mode.map { " 0" + String($0, radix: 8) } ?? ""
        let ownerText = owner.map { " \($0)" } ?? ""
        let xattrText = xattrs.isEmpty ? "" : " " + xattrs.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
        return "\(layer): \(abbreviate(path)) \(what)\(modeText)\(ownerText)\(xattrText)"
    }
}
