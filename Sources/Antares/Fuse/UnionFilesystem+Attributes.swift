import CSyscalls
import FuseKit
import Glibc
import SystemPackage

/// `setattr`: the entry is copied up first (a file unlinked while open, to its orphan), then changed
/// there. The kernel has checked who may change what (`default_permissions`) and folded Linux's
/// clearing of set-user/group-ID bits into the mode it sends.
extension UnionFilesystem {
    func setattr(inode: Inode, changes: AttributeChanges, handle: UInt64?, context: RequestContext) throws(Errno) -> AttributesReply {
        try namespaceLock.writing { () throws(Errno) -> AttributesReply in
            let entry = try copyUp(inode)
            let directory = entry.directory, path = entry.path
            let isSymlink = directory.status(path)?.isSymlink == true
            if changes.uid != nil || changes.gid != nil || changes.changesOnlyChangeTime || changes.isEmpty {
                // chown(-1, -1) asks for nothing but a new ctime (the kernel may send it with nothing
                // set at all), as it gives one.
                try directory.changeOwner(path, uid: changes.uid ?? uid_t.max, gid: changes.gid ?? gid_t.max)
            }
            // After the owner: chown clears set-ID bits the mode sent with it may keep.
            if let mode = changes.mode, !isSymlink { try directory.changeMode(path, mode) }
            if let size = changes.size {
                if let kept = dataDescriptors.descriptor(for: inode), kept.isWritable {
                    try withExtendedLifetime(kept) { () throws(Errno) in try Posix.check(ftruncate(kept.descriptor, off_t(size))) }
                } else {
                    try directory.truncate(path, to: off_t(size))
                }
                if changes.mode == nil, context.uid != 0, let st = directory.status(path), st.st_mode & S_ISGID != 0,
                    st.st_mode & S_IXGRP == 0, !CallerGroups.contains(st.st_gid, pid: context.pid, effectiveGID: context.gid)
                {
                    try directory.changeMode(path, st.st_mode & ~S_ISGID)  // as Linux clears it on truncate
                }
            }
            if changes.mode != nil { dataDescriptors.remove(inode) }
            if changes.accessTime != nil || changes.modificationTime != nil {
                try directory.setTimes(path, access: Self.timeChange(changes.accessTime), modification: Self.timeChange(changes.modificationTime))
            }
            guard let st = directory.status(path) else { throw Errno.noSuchFileOrDirectory }
            return AttributesReply(attributes(inode, at: EntryLocation(entry, st)), timeout: Self.cacheTimeout)
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
