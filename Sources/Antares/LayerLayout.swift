import CSyscalls
import Glibc
import SystemPackage

/// Where a union's layers may lie, as kernel overlayfs allows it, checked before anything is made or
/// mounted: the upper and work directories under one mount and neither inside the other; no lower the
/// same directory as another layer, inside one, or holding another lower. A lower may hold the upper or
/// work directory. Refusals are in overlayfs's own words (its kernel log's), naming the layer.
enum LayerLayout {
    static func check(_ layers: UnionLayers) throws(AntaresError) {
        let upper = PlacedDirectory(layers.upper), work = PlacedDirectory(layers.work)
        if work.isWithin(upper) || upper.isWithin(work) {
            throw .layer(layers.work, reason: "workdir and upperdir must be separate subtrees")
        }
        if let upperMount = upper.mountID, let workMount = work.mountID, upperMount != workMount {
            throw .layer(layers.work, reason: "workdir and upperdir must reside under the same mount")
        }
        let lowers = layers.lowers.map(PlacedDirectory.init)
        for (index, lower) in lowers.enumerated() {
            let otherLowers = lowers.indices.filter { $0 != index }.map { lowers[$0] }
            if ([upper, work] + otherLowers).contains(where: lower.isSame) {
                throw .layer(layers.lowers[index], reason: "conflicting lowerdir path")
            }
            if ([upper, work] + otherLowers).contains(where: lower.isWithin) || otherLowers.contains(where: { $0.isWithin(lower) }) {
                throw .layer(layers.lowers[index], reason: "overlapping lowerdir path")
            }
        }
    }
}

/// A directory by what the kernel knows it as: the inode of each directory from the root down to it,
/// symlinks resolved, so two paths to one directory are one; a part not made yet stands by its path.
struct PlacedDirectory {
    private enum Identity: Equatable {
        case inode(device: UInt64, inode: UInt64)
        case notYetMade(String)
    }

    /// From the root down to the directory itself.
    private let chain: [Identity]
    /// The mount holding the directory (or, if it is not made yet, its nearest existing ancestor).
    let mountID: UInt64?

    init(_ path: FilePath) {
        var absolute = path
        if !path.isAbsolute, let directory = getcwd(nil, 0) {
            absolute = FilePath(platformString: directory).pushing(path)
            free(directory)
        }
        let normal = absolute.lexicallyNormalized()
        var existing = normal, missing: [FilePath.Component] = []
        while Posix.realPath(existing) == nil, let last = existing.lastComponent {
            missing.insert(last, at: 0)
            existing.removeLastComponent()
        }
        var canonical = Posix.realPath(existing) ?? existing
        var mount: UInt64 = 0
        mountID = canonical.withPlatformString { scorpio_mount_id($0, &mount) } == 1 ? mount : nil
        var prefix = FilePath("/")
        var chain = [Self.identity(of: prefix)]
        for component in canonical.components {
            prefix.append(component)
            chain.append(Self.identity(of: prefix))
        }
        for component in missing {
            canonical.append(component)
            chain.append(.notYetMade(canonical.string))
        }
        self.chain = chain
    }

    /// `path` has no symlinks in it: its own inode is the directory's.
    private static func identity(of path: FilePath) -> Identity {
        guard let st = Posix.lstat(path.string) else { return .notYetMade(path.string) }
        return .inode(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    func isSame(_ other: PlacedDirectory) -> Bool { chain.last == other.chain.last }

    /// Whether this directory is `other` or lies under it.
    func isWithin(_ other: PlacedDirectory) -> Bool {
        guard let root = other.chain.last else { return false }
        return chain.contains(root)
    }
}
