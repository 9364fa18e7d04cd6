import FuseKit
import Glibc

/// How a dictionary record becomes what `stat` shows.
///
/// An entry whose source records metadata (a plain directory) shows it: type, all twelve mode bits,
/// owner (see ``OwnerPolicy``), size, link count, device number and times, and the inode number of the
/// first name of its file loaded (hard links share one). Other entries (git) show uniform attributes:
/// 644, 755 or 777 by kind, the configured owner, the revision's time, one link (two for directories).
struct EntryAttributes: Sendable {
    let revisionTime: Int
    let owners: OwnerPolicy

    func attributes(of index: Int, in table: InodeTable) -> FileAttributes {
        let record = table.records[index]
        let type = record.kind.typeBits
        guard let stored = table.metadata(of: record) else {
            let time = timespec(tv_sec: revisionTime, tv_nsec: 0)
            let permissions: mode_t = switch record.kind {
            case .file: 0o644
            case .symlink: 0o777
            default: 0o755
            }
            return FileAttributes(
                inode: InodeTable.inode(of: index), mode: type | permissions, linkCount: type == S_IFDIR ? 2 : 1,
                uid: owners.uid, gid: owners.gid, size: record.size,
                accessTime: time, modificationTime: time, changeTime: time)
        }
        let owner = owners.owner(sourceUID: stored.uid, sourceGID: stored.gid)
        return FileAttributes(
            inode: InodeTable.inode(of: Int(stored.inodeIndex)), mode: type | stored.permissions,
            linkCount: UInt64(stored.linkCount), uid: owner.uid, gid: owner.gid, rdev: dev_t(stored.rdev),
            size: record.size, blocks: stored.blocks, accessTime: stored.accessTime,
            modificationTime: stored.modificationTime, changeTime: stored.changeTime)
    }
}

extension InodeTable.Kind {
    /// The type bits of `st_mode`.
    var typeBits: mode_t {
        switch self {
        case .file, .executable: S_IFREG
        case .symlink: S_IFLNK
        case .directory, .submodule: S_IFDIR
        case .fifo: S_IFIFO
        case .socket: S_IFSOCK
        case .characterDevice: S_IFCHR
        case .blockDevice: S_IFBLK
        }
    }
}
