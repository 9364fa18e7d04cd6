import CSyscalls
import FuseKit
import Glibc
import SystemPackage

/// `setattr`: the entry is copied up first, then changed in the upper layer (through the open
/// descriptor when the kernel names one, which also reaches unlinked files).
extension UnionFilesystem {
    func setattr(inode: Inode, changes: AttributeChanges, handle: UInt64?, context: RequestContext) throws(Errno) -> AttributesReply {
        if let descriptor = handle.flatMap(OpenFiles.descriptor(of:)) {
            try apply(changes, toDescriptor: descriptor)
            return AttributesReply(FileAttributes(try Posix.fstat(descriptor), inode: inode), timeout: Self.cacheTimeout)
        }
        // An unlinked file still in use is reached through the descriptor kept for it.
        if nodes.path(of: inode) == nil, let kept = dataDescriptors.descriptor(for: inode), kept.isUpper {
            try apply(changes, toDescriptor: kept.descriptor)
            return AttributesReply(FileAttributes(try Posix.fstat(kept.descriptor), inode: inode), timeout: Self.cacheTimeout)
        }
        return try namespaceLock.writing { () throws(Errno) -> AttributesReply in
            let path = try copyUp(inode)
            let real = layers.upperPath(path)
            let isSymlink = Posix.lstat(real)?.isSymlink == true
            if let mode = changes.mode, !isSymlink { try Posix.check(chmod(real, mode & 0o7777)) }
            if changes.uid != nil || changes.gid != nil {
                try Posix.check(lchown(real, changes.uid ?? uid_t.max, changes.gid ?? gid_t.max))
            }
            if let size = changes.size { try Posix.check(truncate(real, off_t(size))) }
            if changes.accessTime != nil || changes.modificationTime != nil {
                let times = [Self.timeChange(changes.accessTime), Self.timeChange(changes.modificationTime)]
                try Posix.check(utimensat(AT_FDCWD, real, times, AT_SYMLINK_NOFOLLOW))
            }
            let entry = entry(inode, at: try layers.location(of: path, lower: nil))
            return AttributesReply(entry.attributes, timeout: entry.attributeTimeout)
        }
    }

    private func apply(_ changes: AttributeChanges, toDescriptor descriptor: Int32) throws(Errno) {
        if let mode = changes.mode { try Posix.check(fchmod(descriptor, mode & 0o7777)) }
        if changes.uid != nil || changes.gid != nil {
            try Posix.check(fchown(descriptor, changes.uid ?? uid_t.max, changes.gid ?? gid_t.max))
        }
        if let size = changes.size { try Posix.check(ftruncate(descriptor, off_t(size))) }
        if changes.accessTime != nil || changes.modificationTime != nil {
            let times = [Self.timeChange(changes.accessTime), Self.timeChange(changes.modificationTime)]
            try Posix.check(futimens(descriptor, times))
        }
    }

    private static func timeChange(_ change: AttributeChanges.Time?) -> timespec {
        switch change {
        case nil: timespec(tv_sec: 0, tv_nsec: scorpio_utime_omit)
        case .now: timespec(tv_sec: 0, tv_nsec: scorpio_utime_now)
        case .at(let time): time
        }
    }
}
