import Glibc
import SystemPackage

/// FuseKit names files by swift-system's `Inode`: the number by which the kernel names a file for as long
/// as it holds a lookup reference to it.
///
/// Every successful `lookup`, `mknod`, `mkdir`, `symlink`, `link`, `create` and each entry of `readdirplus`
/// (other than `.` and `..`) adds one reference; `forget` gives references back. A filesystem must keep an
/// inode number valid, and naming the same file, until all of its references are forgotten.
extension Inode {
    /// The root directory of every FUSE filesystem.
    public static var root: Inode { Inode(1) }

    init(fuse value: UInt64) { self.init(rawValue: CInterop.Inode(value)) }

    var fuseValue: UInt64 { UInt64(rawValue) }
}

extension FileType {
    /// The type bits of a `st_mode`.
    public init(mode: mode_t) { self.init(rawValue: mode & S_IFMT) }
}
