import Glibc
import SystemPackage

/// One change a job made, as the layer writer takes it: a path in the layer and what happened there.
/// The caller maps its own view of the upper directory (Antares's `UpperChange`) to these.
public struct LayerChange: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// A new entry, copied into the layer from `source` (a file, directory, symlink, device or fifo).
        case added(source: FilePath)
        /// An entry that replaces one below, copied into the layer from `source`.
        case modified(source: FilePath)
        /// The entry below is gone: written as the whiteout `.wh.<name>` in its parent.
        case deleted
        /// A directory that hides everything below it: written as the directory from `source` plus
        /// `<path>/.wh..wh..opq`.
        case opaqueDirectory(source: FilePath)
    }

    /// Relative to the layer's root, `/`-separated, without `.` or `..` components.
    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    public static func added(_ path: String, from source: FilePath) -> LayerChange { .init(path: path, kind: .added(source: source)) }
    public static func modified(_ path: String, from source: FilePath) -> LayerChange { .init(path: path, kind: .modified(source: source)) }
    public static func deleted(_ path: String) -> LayerChange { .init(path: path, kind: .deleted) }
    public static func opaqueDirectory(_ path: String, from source: FilePath) -> LayerChange {
        .init(path: path, kind: .opaqueDirectory(source: source))
    }

    /// Where the entry's content comes from on disk; nil for a deletion.
    public var source: FilePath? {
        switch kind {
        case .added(let source), .modified(let source), .opaqueDirectory(let source): source
        case .deleted: nil
        }
    }

    public var description: String {
        switch kind {
        case .added: "A \(path)"
        case .modified: "M \(path)"
        case .deleted: "D \(path)"
        case .opaqueDirectory: "R \(path)/"
        }
    }

    /// Every entry below `root` (not `root` itself) as an addition at `prefix/<relative path>`, in path
    /// order: a renamed directory's whole subtree, or a plain directory tree turned into a layer.
    public static func additions(under root: FilePath, at prefix: String = "") -> [LayerChange] {
        var changes: [LayerChange] = []
        collectAdditions(in: root, at: prefix, into: &changes)
        return changes.sorted { LayerPath.precedes($0.path, $1.path) }
    }

    private static func collectAdditions(in directory: FilePath, at prefix: String, into changes: inout [LayerChange]) {
        guard let stream = opendir(directory.string) else { return }
        defer { closedir(stream) }
        while let item = readdir(stream) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard name != ".", name != ".." else { continue }
            let path = prefix.isEmpty ? name : "\(prefix)/\(name)"
            let source = directory.appending(name)
            changes.append(.added(path, from: source))
            if item.pointee.d_type == UInt8(DT_DIR) {
                collectAdditions(in: source, at: path, into: &changes)
            }
        }
    }
}
