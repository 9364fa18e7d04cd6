import Glibc

/// A source's metadata of one entry as the dictionary keeps it: 72 bytes, only for sources that record
/// metadata (a plain directory), shared by every name of a hard-linked file.
struct StoredMetadata {
    var accessSeconds: Int64
    var modificationSeconds: Int64
    var changeSeconds: Int64
    var rdev: UInt64
    var blocks: UInt64
    var accessNanoseconds: UInt32
    var modificationNanoseconds: UInt32
    var changeNanoseconds: UInt32
    var permissions: UInt32
    var uid: UInt32
    var gid: UInt32
    var linkCount: UInt32
    /// The record whose inode number every name of this file reports (the first name loaded).
    var inodeIndex: UInt32

    init(_ metadata: EntryMetadata, inodeIndex: UInt32) {
        accessSeconds = Int64(metadata.accessTime.tv_sec)
        modificationSeconds = Int64(metadata.modificationTime.tv_sec)
        changeSeconds = Int64(metadata.changeTime.tv_sec)
        accessNanoseconds = UInt32(clamping: metadata.accessTime.tv_nsec)
        modificationNanoseconds = UInt32(clamping: metadata.modificationTime.tv_nsec)
        changeNanoseconds = UInt32(clamping: metadata.changeTime.tv_nsec)
        rdev = UInt64(metadata.rdev)
        blocks = metadata.blocks
        permissions = UInt32(metadata.permissions & 0o7777)
        uid = metadata.uid
        gid = metadata.gid
        linkCount = metadata.linkCount
        self.inodeIndex = inodeIndex
    }

    var accessTime: timespec { timespec(tv_sec: Int(accessSeconds), tv_nsec: Int(accessNanoseconds)) }
    var modificationTime: timespec { timespec(tv_sec: Int(modificationSeconds), tv_nsec: Int(modificationNanoseconds)) }
    var changeTime: timespec { timespec(tv_sec: Int(changeSeconds), tv_nsec: Int(changeNanoseconds)) }
}
