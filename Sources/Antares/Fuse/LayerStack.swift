import Dicfuse
import FuseKit
import Glibc
import SystemPackage

/// Where a union entry lives now: the topmost layer that has it.
enum EntryLocation {
    case upper(path: String, stat)
    case changeList(path: String, stat)
    case base(Inode, FileAttributes)

    var isDirectory: Bool {
        switch self {
        case .upper(_, let st), .changeList(_, let st): st.isDirectory
        case .base(_, let attributes): attributes.fileType == .directory
        }
    }

    /// The entry's attributes, numbered as the union's `inode`.
    func attributes(as inode: Inode) -> FileAttributes {
        switch self {
        case .upper(_, let st), .changeList(_, let st):
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
    let upper: String
    let changeList: String?
    let dicfuse: Dicfuse
    let format: OverlayFormat

    var rootLower: LowerOrigin {
        LowerOrigin(changeListPath: changeList == nil ? nil : "", base: .root, path: "", isDirectory: true)
    }

    func upperPath(_ path: String) -> String { path.isEmpty ? upper : "\(upper)/\(path)" }

    func changeListPath(_ path: String) -> String? {
        changeList.map { path.isEmpty ? $0 : "\($0)/\(path)" }
    }

    /// The upper layer's entry at `path`, unless it is a whiteout.
    func upperEntry(_ path: String) -> stat? {
        guard let st = Posix.lstat(upperPath(path)), !st.isWhiteout else { return nil }
        return st
    }

    /// `name` in the union directory at `path` whose lower layers continue at `lower`.
    func child(named name: String, inDirectory path: String, lower: LowerOrigin?) throws(Errno) -> ResolvedChild {
        let childPath = joinPath(path, name)
        if let st = Posix.lstat(upperPath(childPath)) {
            if st.isWhiteout { throw .noSuchFileOrDirectory }
            guard st.isDirectory else { return ResolvedChild(location: .upper(path: childPath, st), lower: nil) }
            return ResolvedChild(location: .upper(path: childPath, st), lower: lowerOfUpperDirectory(childPath, name: name, parentLower: lower))
        }
        guard let lower, let childLower = lowerChild(of: lower, named: name) else { throw .noSuchFileOrDirectory }
        return ResolvedChild(location: try location(ofLower: childLower), lower: childLower)
    }

    /// Where the lower lookup continues below an upper directory: nowhere if it is opaque, at its
    /// redirect if it has one, else at the same name below its parent.
    private func lowerOfUpperDirectory(_ path: String, name: String, parentLower: LowerOrigin?) -> LowerOrigin? {
        let real = FilePath(upperPath(path))
        if format.isOpaque(real) { return nil }
        let found: LowerOrigin?
        if let redirect = format.redirect(of: real) {
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
        if let directory = parent.changeListPath, let layerPath = changeListPath(joinPath(directory, name)), let st = Posix.lstat(layerPath) {
            if st.isWhiteout { return nil }
            origin.changeListPath = joinPath(directory, name)
            origin.isDirectory = st.isDirectory
            guard st.isDirectory else { return origin }
            if format.isOpaque(FilePath(layerPath)) {
                baseParent = nil
            } else if let redirect = format.redirect(of: FilePath(layerPath)) {
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
        if let path = lower.changeListPath, let real = changeListPath(path), let st = Posix.lstat(real) {
            return .changeList(path: path, st)
        }
        if let base = lower.base { return .base(base, try dicfuse.attributes(of: base)) }
        throw .noSuchFileOrDirectory
    }

    /// Where the union entry at `path` (with lower origin `lower`) lives now.
    func location(of path: String, lower: LowerOrigin?) throws(Errno) -> EntryLocation {
        if let st = upperEntry(path) { return .upper(path: path, st) }
        if Posix.lstat(upperPath(path)) != nil { throw .noSuchFileOrDirectory }
        guard let lower else { throw .noSuchFileOrDirectory }
        return try location(ofLower: lower)
    }
}
