import FuseKit
import Glibc
import SystemPackage

/// An entry in one of the union's real directories.
struct RealEntry {
    enum Layer: Equatable {
        /// The upper layer: the union writes here.
        case upper
        /// A file unlinked while still open, kept in the union's scratch space until it is forgotten.
        case orphan
        /// A lower layer (0 is the topmost): read-only to the union.
        case lower(Int)
    }

    let layer: Layer
    /// Relative to the layer's directory.
    let path: String
    let directory: LayerDirectory

    var isWritable: Bool { layer == .upper || layer == .orphan }
}

/// Where a union entry lives now: the topmost layer that has it, and its status there.
struct EntryLocation {
    let entry: RealEntry
    let status: stat

    init(_ entry: RealEntry, _ status: stat) {
        self.entry = entry
        self.status = status
    }

    var isDirectory: Bool { status.isDirectory }

    /// The upper layer's path, when the entry lives there.
    var upperPath: String? { entry.layer == .upper ? entry.path : nil }

    var isWritable: Bool { entry.isWritable }

    /// The entry's attributes, numbered as the union's `inode`.
    func attributes(as inode: Inode) -> FileAttributes { FileAttributes(status, inode: inode) }
}

/// Where a union entry continues below the upper layer: the lower layers that hold it, topmost first
/// (several for a directory that merges, one for anything else).
struct LowerOrigin: Sendable, Equatable {
    struct Place: Sendable, Equatable {
        /// Index into the lower layers (0 is the topmost).
        var layer: Int
        /// Relative to that layer's directory.
        var path: String
    }

    var places: CompactList<Place>
    /// The entry's path in the lower layers' namespace (what a redirect to it records).
    var path: String
    var isDirectory: Bool

    func place(in layer: Int) -> String? { places.first { $0.layer == layer }?.path }
}

/// An entry found by name in a union directory.
struct ResolvedChild {
    var location: EntryLocation
    var lower: LowerOrigin?
}

/// The layers of one union (upper over any number of read-only lower directories) and lookups across
/// them, following kernel overlayfs with `redirect_dir=on`: a whiteout hides what lies below, an opaque
/// directory hides everything below it, a redirect continues the lower lookup at another path.
struct LayerStack: Sendable {
    let upper: LayerDirectory
    /// Topmost first: a job's change list, then its base (a mounted Dicfuse revision, or any directory).
    let lowers: [LayerDirectory]
    let format: OverlayFormat

    var rootLower: LowerOrigin {
        var places = CompactList<LowerOrigin.Place>()
        for index in lowers.indices {
            places.append(LowerOrigin.Place(layer: index, path: ""))
            if format.isOpaque("", in: lowers[index]) { break }
        }
        return LowerOrigin(places: places, path: "", isDirectory: true)
    }

    func upperEntry(_ path: String) -> RealEntry { RealEntry(layer: .upper, path: path, directory: upper) }

    /// `name` in the union directory at `path` whose lower layers continue at `lower`.
    func child(named name: String, inDirectory path: String, lower: LowerOrigin?) throws(Errno) -> ResolvedChild {
        let childPath = joinPath(path, name)
        if let st = upper.status(childPath) {
            if st.isWhiteout { throw .noSuchFileOrDirectory }
            let location = EntryLocation(upperEntry(childPath), st)
            guard st.isDirectory else { return ResolvedChild(location: location, lower: nil) }
            return ResolvedChild(location: location, lower: lowerOfUpperDirectory(childPath, name: name, parentLower: lower))
        }
        guard let lower, let (childLower, top) = lowerChildAndStatus(of: lower, named: name) else { throw .noSuchFileOrDirectory }
        let place = childLower.places[0]
        let entry = RealEntry(layer: .lower(place.layer), path: place.path, directory: lowers[place.layer])
        return ResolvedChild(location: EntryLocation(entry, top), lower: childLower)
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

    /// `name` below a lower directory, layer by layer from the top: the first non-directory is the entry
    /// (and hides what is below it), directories merge until one is opaque; a whiteout ends the search,
    /// and a redirect sends it on to another name (relative) or path (absolute) in the layers below.
    func lowerChild(of parent: LowerOrigin, named name: String) -> LowerOrigin? {
        lowerChildAndStatus(of: parent, named: name)?.origin
    }

    /// ``lowerChild(of:named:)`` with the entry's status in its topmost layer.
    private func lowerChildAndStatus(of parent: LowerOrigin, named name: String) -> (origin: LowerOrigin, top: stat)? {
        var places = CompactList<LowerOrigin.Place>()
        var top: stat?
        var nameBelow = name
        var absoluteBelow: String?
        var path = joinPath(parent.path, name)
        for index in lowers.indices {
            let candidate: String
            if let absoluteBelow {
                candidate = absoluteBelow
            } else {
                guard let directory = parent.place(in: index) else { continue }
                // Where nothing redirects, a layer's path is the union's: one string for both, kept by
                // every node (a tree's nodes hold most of a union's memory).
                candidate = directory == parent.path && nameBelow == name ? path : joinPath(directory, nameBelow)
            }
            guard let st = lowers[index].status(candidate) else { continue }
            if st.isWhiteout { break }
            guard st.isDirectory else {
                if places.isEmpty { return (LowerOrigin(places: [.init(layer: index, path: candidate)], path: path, isDirectory: false), st) }
                break
            }
            let kept = lowers[index].keptPath(candidate)
            if places.isEmpty && candidate == path { path = kept }
            places.append(.init(layer: index, path: kept))
            if top == nil { top = st }
            if index == lowers.count - 1 { break }  // nothing below for a marker to hide or redirect to
            if format.isOpaque(candidate, in: lowers[index]) { break }
            if let redirect = format.redirect(of: candidate, in: lowers[index]) {
                if redirect.hasPrefix("/") { absoluteBelow = String(redirect.dropFirst()) } else { nameBelow = redirect }
            }
        }
        guard let top else { return nil }
        return (LowerOrigin(places: places, path: path, isDirectory: true), top)
    }

    /// The topmost lower layer holding `lower`.
    func location(ofLower lower: LowerOrigin) throws(Errno) -> EntryLocation {
        guard let top = lower.places.first, let st = lowers[top.layer].status(top.path) else { throw .noSuchFileOrDirectory }
        return EntryLocation(RealEntry(layer: .lower(top.layer), path: top.path, directory: lowers[top.layer]), st)
    }

    /// Where the union entry at `path` (with lower origin `lower`) lives now.
    func location(of path: String, lower: LowerOrigin?) throws(Errno) -> EntryLocation {
        if let st = upper.status(path) {
            if st.isWhiteout { throw .noSuchFileOrDirectory }
            return EntryLocation(upperEntry(path), st)
        }
        guard let lower else { throw .noSuchFileOrDirectory }
        return try location(ofLower: lower)
    }
}
