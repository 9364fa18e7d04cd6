#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// The parts of `stat(2)` Scorpio looks at.
struct FileStatus: Sendable {
    let mode: mode_t
    let deviceID: dev_t
    let ownerID: uid_t

    /// Follows symlinks; nil when nothing is there (or it cannot be reached).
    init?(path: FilePath) {
        var info = stat()
        guard stat(path.string, &info) == 0 else { return nil }
        mode = info.st_mode
        deviceID = info.st_rdev
        ownerID = info.st_uid
    }

    var isDirectory: Bool { mode & S_IFMT == S_IFDIR }
    var isCharacterDevice: Bool { mode & S_IFMT == S_IFCHR }
    var isRegularFile: Bool { mode & S_IFMT == S_IFREG }

    /// Major and minor of a device node (glibc's encoding; its `major()`/`minor()` macros do not import).
    var deviceNumbers: (major: UInt32, minor: UInt32) {
        let device = UInt64(deviceID)
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff)
        let minor = (device & 0xff) | ((device >> 12) & ~0xff)
        return (UInt32(truncatingIfNeeded: major), UInt32(truncatingIfNeeded: minor))
    }

    var kindDescription: String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFREG: return "a regular file"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        default: return "a special file"
        }
    }
}
