import Glibc
import SystemPackage

/// One change a job made, as its upper directory records it.
public struct UpperChange: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A new entry (nothing at this path below).
        case added
        /// An entry that replaces or was copied up from one below.
        case modified
        /// A whiteout: the lower entry is gone.
        case deleted
        /// A directory that hides everything below it (created over a deleted one).
        case opaqueDirectory
        /// A directory renamed from `origin` (a path from the root).
        case renamedDirectory(origin: String)
    }

    /// Relative to the union's root.
    public var path: String
    public var kind: Kind
    /// The entry's `stat` in the upper (a whiteout's for deletions).
    public var status: stat

    public var description: String {
        switch kind {
        case .added: "A \(path)"
        case .modified: "M \(path)"
        case .deleted: "D \(path)"
        case .opaqueDirectory: "R \(path)/ (replaced)"
        case .renamedDirectory(let origin): "R \(path)/ (from \(origin))"
        }
    }

    public static func == (lhs: UpperChange, rhs: UpperChange) -> Bool { lhs.path == rhs.path && lhs.kind == rhs.kind }
}

/// What a job changed, read from its upper directory alone (plus a question to the layers below: is
/// there an entry at this path?). Directories that exist only to hold changed children are not changes.
public struct UpperChanges: Sendable {
    public let upper: FilePath
    public let format: OverlayFormat

    public init(upper: FilePath, format: OverlayFormat? = nil) {
        self.upper = upper
        self.format = format ?? OverlayFormat.detect(for: upper)
    }

    /// Every change, in path order. `lowerEntry` answers what the layers below have at a path: nil for
    /// nothing, true for a directory, false for anything else.
    public func list(lowerEntry: (String) -> Bool?) -> [UpperChange] {
        var changes: [UpperChange] = []
        walk(upper, relative: "", lower: "", lowerEntry: lowerEntry, into: &changes)
        return changes.sorted { $0.path < $1.path }
    }

    /// `lower` is where this directory's content comes from below (its origin if it was renamed), or nil
    /// when nothing below shows through (an opaque or new directory).
    private func walk(
        _ directory: FilePath, relative: String, lower: String?, lowerEntry: (String) -> Bool?,
        into changes: inout [UpperChange]
    ) {
        guard let stream = opendir(directory.string) else { return }
        defer { closedir(stream) }
        while let item = readdir(stream) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard name != ".", name != ".." else { continue }
            let path = relative.isEmpty ? name : "\(relative)/\(name)"
            let below = lower.map { $0.isEmpty ? name : "\($0)/\(name)" }
            let full = directory.appending(name)
            var st = stat()
            guard lstat(full.string, &st) == 0 else { continue }
            if OverlayFormat.isWhiteout(st) {
                changes.append(UpperChange(path: path, kind: .deleted, status: st))
                continue
            }
            let existing = below.flatMap(lowerEntry)
            guard st.st_mode & S_IFMT == S_IFDIR else {
                changes.append(UpperChange(path: path, kind: existing == nil ? .added : .modified, status: st))
                continue
            }
            var childLower = existing == true ? below : nil
            if let origin = format.redirect(of: full) {
                let originPath = origin.hasPrefix("/") ? String(origin.dropFirst()) : (lower.map { $0.isEmpty ? origin : "\($0)/\(origin)" } ?? origin)
                changes.append(UpperChange(path: path, kind: .renamedDirectory(origin: originPath), status: st))
                childLower = originPath
            } else if format.isOpaque(full) {
                changes.append(UpperChange(path: path, kind: existing == nil ? .added : .opaqueDirectory, status: st))
                childLower = nil
            } else if existing == nil {
                changes.append(UpperChange(path: path, kind: .added, status: st))
            } else if existing == false {
                changes.append(UpperChange(path: path, kind: .modified, status: st))
                childLower = nil
            }
            walk(full, relative: path, lower: childLower, lowerEntry: lowerEntry, into: &changes)
        }
    }
}
