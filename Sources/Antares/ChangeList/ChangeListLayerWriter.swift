import Glibc
import SystemPackage

/// Writes ``LayerChanges`` into a directory in kernel overlayfs's layer format (see ``OverlayFormat``):
/// files with their modes, symlinks as symlinks, deletions as whiteouts, parents created as needed.
///
/// The layer is built in a temporary sibling directory and renamed into place, so a half-built layer is
/// never mounted; a layer already at the destination is replaced whole. Whiteouts need root or CAP_MKNOD.
public struct ChangeListLayerWriter: Sendable {
    public let destination: FilePath
    /// The xattr namespace for opaque directories; by default, what the destination's parent accepts.
    public let format: OverlayFormat?

    public init(destination: FilePath, format: OverlayFormat? = nil) {
        self.destination = destination
        self.format = format
    }

    @discardableResult
    public func write(_ changes: LayerChanges) throws(ChangeListError) -> ChangeListLayerSummary {
        let parent = destination.removingLastComponent()
        guard let name = destination.lastComponent else { throw .layer(destination, reason: "names no directory") }
        do { try makeDirectory(parent) } catch { throw .layer(parent, reason: "cannot create it: \(error)") }

        let building = parent.appending(".\(name).building-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard mkdir(building.string, 0o755) == 0 else {
            throw .layer(building, reason: "cannot create it: \(Errno(rawValue: errno))")
        }
        var bytes: UInt64 = 0
        do {
            let format = format ?? OverlayFormat.detect(for: parent)
            var nonDirectories: Set<FilePath> = []
            for entry in changes.entries {
                try checkPlacement(of: entry.path, below: nonDirectories)
                bytes += try write(entry, under: building, format: format)
                if !entry.content.isDirectory { nonDirectories.insert(entry.path) }
            }
            try replaceDestination(with: building)
        } catch {
            Posix.removeTree(building.string)
            throw error
        }
        return ChangeListLayerSummary(added: changes.added, modified: changes.modified, deleted: changes.deleted, bytes: bytes)
    }

    /// Refuses a path that would leave the layer: absolute, with `.` or `..`, or below an entry that is not
    /// a directory (a symlink there would be followed).
    private func checkPlacement(of path: FilePath, below nonDirectories: Set<FilePath>) throws(ChangeListError) {
        guard !path.isEmpty, !path.isAbsolute, path.components.allSatisfy({ $0.kind == .regular }) else {
            throw .layer(destination, reason: "'\(path)' is not a path inside the layer")
        }
        var ancestor = path.removingLastComponent()
        while !ancestor.isEmpty {
            if nonDirectories.contains(ancestor) {
                throw .layer(destination.appending(path.components), reason: "it lies below \(ancestor), which is no directory")
            }
            ancestor.removeLastComponent()
        }
    }

    /// Writes one entry below `root`; returns the bytes of content written.
    private func write(_ entry: LayerEntry, under root: FilePath, format: OverlayFormat) throws(ChangeListError) -> UInt64 {
        let path = root.appending(entry.path.components)
        let parent = path.removingLastComponent()
        do { try makeDirectory(parent) } catch { throw .layer(parent, reason: "cannot create it: \(error)") }
        switch entry.content {
        case .file(let bytes, let executable):
            try writeFile(at: path, executable: executable) { descriptor throws(ChangeListError) in
                do { _ = try FileDescriptor(rawValue: descriptor).writeAll(bytes) } catch {
                    throw .layer(path, reason: "cannot write it: \(error)")
                }
            }
            return UInt64(bytes.count)
        case .copy(let source, let executable):
            return try copyFile(from: source, to: path, executable: executable)
        case .symlink(let target):
            guard symlink(target, path.string) == 0 else {
                throw .layer(path, reason: "cannot create the symlink to '\(target)': \(Errno(rawValue: errno))")
            }
        case .directory(let opaque):
            guard mkdir(path.string, 0o755) == 0 || errno == EEXIST else {
                throw .layer(path, reason: "cannot create it: \(Errno(rawValue: errno))")
            }
            if opaque {
                do { try format.setOpaque(path) } catch {
                    throw .layer(path, reason: "cannot mark it opaque (\(format.opaqueName)): \(error)")
                }
            }
        case .whiteout:
            do { try OverlayFormat.makeWhiteout(at: path) } catch .notPermitted {
                throw .whiteoutNotPermitted(path, .notPermitted)
            } catch {
                throw .layer(path, reason: "cannot create the whiteout: \(error)")
            }
        }
        return 0
    }

    private func copyFile(from source: FilePath, to path: FilePath, executable: Bool) throws(ChangeListError) -> UInt64 {
        let input = Glibc.open(source.string, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard input >= 0 else { throw .layer(path, reason: "cannot open its source \(source): \(Errno(rawValue: errno))") }
        defer { close(input) }
        var status = stat()
        guard fstat(input, &status) == 0 else {
            throw .layer(path, reason: "cannot stat its source \(source): \(Errno(rawValue: errno))")
        }
        let size = UInt64(status.st_size)
        try writeFile(at: path, executable: executable) { descriptor throws(ChangeListError) in
            do { try Posix.copyData(from: input, to: descriptor, count: size) } catch {
                throw .layer(path, reason: "cannot copy \(source) into it: \(error)")
            }
        }
        return size
    }

    /// Creates the file at `path` with git's mode for it (0644 or 0755, whatever the umask) and fills it.
    private func writeFile(
        at path: FilePath, executable: Bool, _ fill: (Int32) throws(ChangeListError) -> Void
    ) throws(ChangeListError) {
        let mode: mode_t = executable ? 0o755 : 0o644
        let descriptor = Glibc.open(path.string, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else { throw .layer(path, reason: "cannot create it: \(Errno(rawValue: errno))") }
        defer { close(descriptor) }
        try fill(descriptor)
        guard fchmod(descriptor, mode) == 0 else { throw .layer(path, reason: "cannot set its mode: \(Errno(rawValue: errno))") }
    }

    /// Moves the built layer to the destination in one rename, then removes the layer it replaced.
    private func replaceDestination(with building: FilePath) throws(ChangeListError) {
        do {
            try Posix.rename(building.string, destination.string, flags: Posix.renameNoReplace)
            return
        } catch .fileExists {
            // A layer is there: swap it out below.
        } catch {
            throw .layer(destination, reason: "cannot move the built layer \(building) into place: \(error)")
        }
        do {
            try Posix.rename(building.string, destination.string, flags: Posix.renameExchange)
        } catch {
            throw .layer(destination, reason: "cannot swap the built layer \(building) with the one in place: \(error)")
        }
        // `building` now holds the old layer.
        Posix.removeTree(building.string)
    }
}
