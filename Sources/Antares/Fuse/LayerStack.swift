import Dicfuse
import FuseKit
import Glibc
import SystemPackage

/// An entry in one of the union's real directories.
struct RealEntry {
    enum Layer {
        /// The upper layer: the union writes here.
        case upper
        /// A file unlinked while still open, kept in the union's scratch space until it is forgotten.
        case orphan
        /// The change list's layer: read-only to the union.
        case changeList
    }

    let layer: Layer
    /// Relative to the layer's directory.
    let path: String
    let directory: LayerDirectory

    var isWritable: Bool { layer != .changeList }
}

/// Where a union entry lives now: the topmost layer that has it.
enum EntryLocation {
    case layer(RealEntry, stat)
    case base(Inode, FileAttributes)

    var isDirectory: Bool {
        switch self {
        case .layer(_, let st): st.isDirectory
        case .base(_, let attributes): attributes.fileType == .directory
        }
    }

    /// The upper layer's path, when the entry lives there.
    var upperPath: String? {
        if case .layer(let entry, _) = self, entry.layer == .upper { return entry.path }
        return nil
    }

    var isWritable: Bool {
        if case .layer(let entry, _) = self { return entry.isWritable }
        return false
    }

    /// The entry's attributes, numbered as the union's `inode`.
    func attributes(as inode: Inode) -> FileAttributes {
        switch self {
        case .layer(_, let st):
            return FileAttributes(st, inode: inode)
        case .base(_, var attributes):
            attributes.inode = inode
            return attributes
        }
    }
}

/// An entry found by name in a union directory.
struct ResolvedChild {
    var location: EntryLocation
    var lower: LowerOrigin?
}

/// The layers of one union (upper over change list over base) and lookups across them, following
/// kernel overlayfs with `redirect_dir=on`: a whiteout hides what lies below, an opaque directory hides
/// everything below it, a redirect continues the lower lookup at another path.
struct LayerStack: Sendable {
    let upper: LayerDirectory
    let changeList: LayerDirectory?
    let dicfuse: Dicfuse
    let format: OverlayFormat
    /// Owner every base entry is shown with, when the union serves a build user (nil: the base's own).
    let baseOwner: FileOwner?

    var rootLower: LowerOrigin {
        LowerOrigin(changeListPath: changeList == nil ? nil : "", base: .root, path: "", isDirectory: true)
    }

    func upperEntry(_ path: String) -> RealEntry { RealEntry(layer: .upper, path: path, directory: upper) }

    /// The upper layer's entry at `path`, unless it is a whiteout.
    func upperStatus(_ path: String) -> stat? {
        guard let st = upper.status(path), !st.isWhiteout else { return nil }
        return st
    }

    /// `name` in the union directory at `path` whose lower layers continue at `lower`.
    func child(named name: String, inDirectory path: String, lower: LowerOrigin?) throws(Errno) -> ResolvedChild {
        let childPath = joinPath(path, name)
        if let st = upper.status(childPath) {
            if st.isWhiteout { throw .noSuchFileOrDirectory }
            let location = EntryLocation.layer(upperEntry(childPath), st)
            guard st.isDirectory else { return ResolvedChild(location: location, lower: nil) }
            return ResolvedChild(location: location, lower: lowerOfUpperDirectory(childPath, name: name, parentLower: lower))
        }
        guard let lower, let childLower = lowerChild(of: lower, named: name) else { throw .noSuchFileOrDirectory }
        return ResolvedChild(location: try location(ofLower: childLower), lower: childLower)
    }

    /// Where the lower lookup continues below an upper directory: nowhere if it is opaque, at its
    /// redirect if it has one, else at the same name below its parent.
    private func lowerOfUpperDirectory(_ path: String, name: String, parentLower: LowerOrigin?) -> LowerOrigin? {
        if format.isOpaque(path, in: upper) { return nil }
        let found: LowerOrigin?
        if let redirect = format.redirect(of: path, in: upper) {
            found = redirect.hasPrefix("/") ? lowerOrigin(atPath: String(redirect.dropFirst())) : parentLower.flatMap { lowerChild(of: $0, named: redirect) }
        } else {
            found = parentLower.flatMap { lowerChild(of: $0, named: name) }
        }
        return found?.isDirectory == true ? found : nil
    }

    /// The lower entry at a path from the root of the lower layers.
    func lowerOrigin(atPath path: String) -> LowerOrigin? {
        var current: LowerOrigin? = rootLower
        for component in path.split(separator: "/") where !component.isEmpty {
            guard let parent = current else { return nil }
            current = lowerChild(of: parent, named: String(component))
        }
        return current
    }

    /// `name` below a lower directory: the change list first, then the base.
    func lowerChild(of parent: LowerOrigin, named name: String) -> LowerOrigin? {
        var origin = LowerOrigin(changeListPath: nil, base: nil, path: joinPath(parent.path, name), isDirectory: false)
        var baseParent = parent.base
        var baseName = name
        if let changeList, let directory = parent.changeListPath, let st = changeList.status(joinPath(directory, name)) {
            if st.isWhiteout { return nil }
            let layerPath = joinPath(directory, name)
            origin.changeListPath = layerPath
            origin.isDirectory = st.isDirectory
            guard st.isDirectory else { return origin }
            if format.isOpaque(layerPath, in: changeList) {
                baseParent = nil
            } else if let redirect = format.redirect(of: layerPath, in: changeList) {
                if redirect.hasPrefix("/") {
                    let target = FilePath(String(redirect.dropFirst()))
                    baseParent = nil
                    if let inode = try? dicfuse.resolve(target), (try? dicfuse.attributes(of: inode))?.fileType == .directory {
                        origin.base = inode
                    }
                } else {
                    baseName = redirect
                }
            }
        }
        if let baseParent, let component = FilePath.Component(baseName), let attributes = try? dicfuse.lookup(parent: baseParent, name: component) {
            let isDirectory = attributes.fileType == .directory
            if origin.changeListPath == nil {
                origin.base = attributes.inode
                origin.isDirectory = isDirectory
            } else if isDirectory {
                origin.base = attributes.inode
            }
        }
        return origin.changeListPath == nil && origin.base == nil ? nil : origin
    }

    /// The topmost lower layer holding `lower`.
    func location(ofLower lower: LowerOrigin) throws(Errno) -> EntryLocation {
        if let path = lower.changeListPath, let changeList, let st = changeList.status(path) {
            return .layer(RealEntry(layer: .changeList, path: path, directory: changeList), st)
        }
        if let base = lower.base { return .base(base, try baseAttributes(base)) }
        throw .noSuchFileOrDirectory
    }

    /// A base entry's attributes as the union shows them.
    func baseAttributes(_ base: Inode) throws(Errno) -> FileAttributes {
        var attributes = try dicfuse.attributes(of: base)
        if let baseOwner {
            attributes.uid = baseOwner.uid
            attributes.gid = baseOwner.gid
        }
        return attributes
    }

    /// Where the union entry at `path` (with lower origin `lower`) lives now.
    func location(of path: String, lower: LowerOrigin?) throws(Errno) -> EntryLocation {
        if let st = upper.status(path) {
            if st.isWhiteout { throw .noSuchFileOrDirectory }
            return .layer(upperEntry(path), st)
        }
        guard let lower else { throw .noSuchFileOrDirectory }
        return try location(ofLower: lower)
    }
}
