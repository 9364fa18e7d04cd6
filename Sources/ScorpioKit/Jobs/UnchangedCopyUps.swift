import Antares
import CSyscalls
import Dicfuse
import Glibc
import SystemPackage

/// Tells copy-ups that changed nothing from real modifications. Kernel overlayfs copies a file up when it
/// is opened for writing, and either driver copies up on a chmod or chown to the values it already has;
/// such a file equals its lower entry in content, mode, owner, mtime and xattrs, and is no change.
struct UnchangedCopyUps {
    let upper: FilePath
    let changeList: FilePath?
    let dicfuse: Dicfuse

    func isUnchanged(_ path: String) -> Bool {
        var upperStatus = stat()
        let upperPath = upper.appending(path).string
        guard lstat(upperPath, &upperStatus) == 0, let kind = Kind(upperStatus), !Self.hasOwnXattrs(upperPath) else { return false }
        if let changeList {
            var lowerStatus = stat()
            let lowerPath = changeList.appending(path).string
            if lstat(lowerPath, &lowerStatus) == 0 {
                guard !OverlayFormat.isWhiteout(lowerStatus), Self.sameMetadata(upperStatus, lowerStatus) else { return false }
                guard !Self.hasOwnXattrs(lowerPath) else { return false }
                if kind == .symbolicLink { return Self.linkTarget(upperPath) == Self.linkTarget(lowerPath) }
                guard let lower = try? FileDescriptor.open(lowerPath, .readOnly) else { return false }
                defer { try? lower.close() }
                return Self.sameContent(upperPath, lower, size: upperStatus.st_size)
            }
        }
        guard let inode = try? dicfuse.resolve(FilePath(path)), let attributes = try? dicfuse.attributes(of: inode) else { return false }
        var lowerStatus = stat()
        lowerStatus.st_mode = attributes.mode
        lowerStatus.st_uid = attributes.uid
        lowerStatus.st_gid = attributes.gid
        lowerStatus.st_size = off_t(attributes.size)
        lowerStatus.st_mtim = attributes.modificationTime
        guard Self.sameMetadata(upperStatus, lowerStatus) else { return false }
        if kind == .symbolicLink {
            return (try? dicfuse.readlink(inode).string) == Self.linkTarget(upperPath)
        }
        guard let blob = try? dicfuse.blob(of: inode) else { return false }
        return Self.sameContent(upperPath, blob.descriptor, size: upperStatus.st_size)
    }

    private enum Kind {
        case regular, symbolicLink
        init?(_ status: stat) {
            switch status.st_mode & S_IFMT {
            case S_IFREG: self = .regular
            case S_IFLNK: self = .symbolicLink
            default: return nil
            }
        }
    }

    private static func sameMetadata(_ a: stat, _ b: stat) -> Bool {
        a.st_mode == b.st_mode && a.st_uid == b.st_uid && a.st_gid == b.st_gid && a.st_size == b.st_size
            && a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec
    }

    private static func sameContent(_ upperPath: String, _ lower: FileDescriptor, size: off_t) -> Bool {
        guard let upperFile = try? FileDescriptor.open(upperPath, .readOnly) else { return false }
        defer { try? upperFile.close() }
        let chunk = 1 << 16
        var left = [UInt8](repeating: 0, count: chunk), right = left
        var offset: off_t = 0
        while offset < size {
            let want = min(chunk, Int(size - offset))
            let a = left.withUnsafeMutableBytes { pread(upperFile.rawValue, $0.baseAddress, want, offset) }
            let b = right.withUnsafeMutableBytes { pread(lower.rawValue, $0.baseAddress, want, offset) }
            guard a == want, b == want, left.prefix(want) == right.prefix(want) else { return false }
            offset += off_t(want)
        }
        return true
    }

    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `path` carries xattrs of its own (the overlay's bookkeeping does not count).
    private static func hasOwnXattrs(_ path: String) -> Bool {
        let size = llistxattr(path, nil, 0)
        guard size > 0 else { return false }
        var names = [CChar](repeating: 0, count: size)
        let count = llistxattr(path, &names, size)
        guard count > 0 else { return false }
        return names.prefix(count).split(separator: 0).contains { name in
            let text = String(decoding: name.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return !text.hasPrefix("trusted.overlay.") && !text.hasPrefix("user.overlay.")
        }
    }
}
