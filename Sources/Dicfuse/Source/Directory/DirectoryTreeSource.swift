import Glibc
import SystemPackage

/// A plain local directory served read-only. Reads go straight to its files; nothing is copied.
///
/// Every entry is served as `lstat` shows it, the way kernel overlayfs shows a lower directory: FIFOs,
/// sockets and devices included, with its own mode bits, owner, size, link count and times.
/// Entry ids stand for (device, inode, size, mtime), so a file edited in place gets a new id.
public final class DirectoryTreeSource: TreeSource {
    public let identity: String
    public let revision: ResolvedRevision
    public let root: SourceDirectory
    public let rootMetadata: EntryMetadata?
    public let rootSize: UInt64
    public let rootPath: FilePath

    public init(path: FilePath) throws(SourceError) {
        let resolved = path.withPlatformString { realpath($0, nil) }
        guard let resolved else { throw .io(path.string, reason: "\(Errno(rawValue: errno))") }
        rootPath = FilePath(platformString: resolved)
        free(resolved)
        var st = stat()
        guard rootPath.withPlatformString({ stat($0, &st) }) == 0 else {
            throw .io(rootPath.string, reason: "\(Errno(rawValue: errno))")
        }
        guard st.st_mode & S_IFMT == S_IFDIR else { throw .notADirectory(rootPath.string) }
        let id = Self.stableID(st)
        root = SourceDirectory(path: "", objectID: id)
        rootMetadata = EntryMetadata(st)
        rootSize = UInt64(clamping: st.st_size)
        revision = ResolvedRevision(id: id, time: st.st_mtim.tv_sec, summary: "directory \(rootPath)")
        identity = "dir \(rootPath)"
    }

    public func list(_ directory: SourceDirectory) throws(SourceError) -> [TreeEntry] {
        let path = rootPath.pushing(directory.path)
        let fd = path.withPlatformString { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) }
        guard fd >= 0 else {
            if errno == ENOTDIR || errno == ELOOP { throw .notADirectory(directory.path.string) }
            throw .io(path.string, reason: "\(Errno(rawValue: errno))")
        }
        guard let stream = fdopendir(fd) else {
            close(fd)
            throw .io(path.string, reason: "\(Errno(rawValue: errno))")
        }
        defer { closedir(stream) }
        var entries: [TreeEntry] = []
        while let item = readdir(stream) {
            let entry: TreeEntry? = withUnsafeBytes(of: item.pointee.d_name) { raw in
                let cName = raw.bindMemory(to: CChar.self).baseAddress!
                guard strcmp(cName, ".") != 0, strcmp(cName, "..") != 0,
                    let name = FilePath.Component(platformString: cName)
                else { return nil }
                var st = stat()
                guard fstatat(fd, cName, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
                guard let kind = Self.kind(of: st.st_mode) else { return nil }
                return TreeEntry(name: name, kind: kind, objectID: Self.stableID(st), size: UInt64(clamping: st.st_size), metadata: EntryMetadata(st))
            }
            if let entry { entries.append(entry) }
        }
        return entries
    }

    public func location(of entry: TreeEntry, in directory: SourceDirectory) -> BlobLocation {
        .localFile(rootPath.pushing(directory.path).appending(entry.name))
    }

    public func fetch(_ entry: TreeEntry, in directory: SourceDirectory, to destination: FileDescriptor) throws(SourceError) -> UInt64 {
        let path = rootPath.pushing(directory.path).appending(entry.name)
        do {
            if entry.kind == .symlink {
                let target = try readSymlink(path)
                return UInt64(try destination.writeAll(target))
            }
            let source = try FileDescriptor.open(path, .readOnly, options: [.closeOnExec])
            defer { try? source.close() }
            var total: UInt64 = 0
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
                if count == 0 { return total }
                total += UInt64(try destination.writeAll(chunk[..<count]))
            }
        } catch {
            throw .io(path.string, reason: "\(error)")
        }
    }

    public func verify(_ id: ObjectID, content: FileDescriptor, size: UInt64) throws(SourceError) -> Bool { true }

    static func kind(of mode: mode_t) -> TreeEntryKind? {
        switch mode & S_IFMT {
        case S_IFDIR: .directory
        case S_IFLNK: .symlink
        case S_IFREG: .file(executable: mode & 0o111 != 0)
        case S_IFIFO: .fifo
        case S_IFSOCK: .socket
        case S_IFCHR: .characterDevice
        case S_IFBLK: .blockDevice
        default: nil
        }
    }

    static func stableID(_ st: stat) -> ObjectID {
        var bytes: [UInt8] = []
        for value in [UInt64(st.st_dev), UInt64(st.st_ino), UInt64(st.st_size), UInt64(st.st_mtim.tv_sec), UInt64(st.st_mtim.tv_nsec)] {
            withUnsafeBytes(of: value.bigEndian) { bytes += $0 }
        }
        return ObjectID(bytes: bytes)
    }
}

/// The target of the symlink at `path`, as raw bytes.
func readSymlink(_ path: FilePath) throws(Errno) -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = path.withPlatformString { cPath in
        buffer.withUnsafeMutableBytes { readlink(cPath, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
    }
    guard count >= 0 else { throw Errno(rawValue: errno) }
    return Array(buffer[..<count])
}
