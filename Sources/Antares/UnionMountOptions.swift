import Glibc

/// The generic mount options a union takes (`-o ro,nosuid,…`), honoured by both drivers: the fuse
/// driver hands them to its FUSE mount, the kernel driver turns them into overlayfs's mount flags.
public struct UnionMountOptions: Sendable, Equatable {
    public enum AccessTimes: String, Sendable {
        case relatime, noatime, strictatime
    }

    public var readOnly = false
    public var noSetUserID = false
    public var noDevices = false
    public var noExec = false
    public var accessTimes: AccessTimes = .relatime
    public var noDirectoryAccessTimes = false
    public var synchronous = false
    public var synchronousDirectories = false
    /// The upper is scratch: no write reaches its disk on the union's account (fsync, syncfs and the
    /// unmount's sync do nothing), as overlayfs's and fuse-overlayfs's `volatile`. A crash may leave such
    /// an upper incomplete.
    public var volatile = false
    /// Let every user in (fuse driver; overlayfs always does). Nil: yes when served by root.
    public var allowOther: Bool?

    public init() {}

    /// The options `names` set (`ro`, `nosuid`, `dev`, …); every name that is not one of them is returned.
    public mutating func apply(_ names: [String]) -> [String] {
        var unknown: [String] = []
        for name in names {
            switch name {
            case "ro": readOnly = true
            case "rw": readOnly = false
            case "suid": noSetUserID = false
            case "nosuid": noSetUserID = true
            case "dev": noDevices = false
            case "nodev": noDevices = true
            case "exec": noExec = false
            case "noexec": noExec = true
            case "atime", "relatime": accessTimes = .relatime
            case "noatime": accessTimes = .noatime
            case "strictatime": accessTimes = .strictatime
            case "diratime": noDirectoryAccessTimes = false
            case "nodiratime": noDirectoryAccessTimes = true
            case "sync": synchronous = true
            case "async": synchronous = false
            case "dirsync": synchronousDirectories = true
            case "volatile": volatile = true
            case "allow_other": allowOther = true
            case "default_permissions": break  // always: the kernel checks permissions from the modes served
            default: unknown.append(name)
            }
        }
        return unknown
    }

    /// The mount(2) flags these options stand for.
    var mountFlags: UInt {
        var flags: UInt = 0
        if readOnly { flags |= UInt(MS_RDONLY) }
        if noSetUserID { flags |= UInt(MS_NOSUID) }
        if noDevices { flags |= UInt(MS_NODEV) }
        if noExec { flags |= UInt(MS_NOEXEC) }
        switch accessTimes {
        case .relatime: flags |= UInt(MS_RELATIME)
        case .noatime: flags |= UInt(MS_NOATIME)
        case .strictatime: flags |= UInt(MS_STRICTATIME)
        }
        if noDirectoryAccessTimes { flags |= UInt(MS_NODIRATIME) }
        if synchronous { flags |= UInt(MS_SYNCHRONOUS) }
        if synchronousDirectories { flags |= UInt(MS_DIRSYNC) }
        return flags
    }

    /// The same as libfuse `-o` options (libfuse mounts nosuid,nodev unless told otherwise).
    var fuseOptions: [String] {
        var options = [readOnly ? "ro" : "rw", noSetUserID ? "nosuid" : "suid", noDevices ? "nodev" : "dev", noExec ? "noexec" : "exec"]
        switch accessTimes {
        case .relatime: break
        case .noatime: options.append("noatime")
        case .strictatime: options.append("strictatime")
        }
        if noDirectoryAccessTimes { options.append("nodiratime") }
        if synchronous { options.append("sync") }
        if synchronousDirectories { options.append("dirsync") }
        return options
    }
}
