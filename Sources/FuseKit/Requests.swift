import CFuse
import Glibc

/// Who sent a request: the calling process's credentials and umask.
public struct RequestContext: Sendable, Equatable {
    public var uid: uid_t
    public var gid: gid_t
    public var pid: pid_t
    public var umask: mode_t

    public init(uid: uid_t, gid: gid_t, pid: pid_t, umask: mode_t) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.umask = umask
    }

    init(_ request: fuse_req_t) {
        let ctx = fuse_req_ctx(request)!.pointee
        self.init(uid: ctx.uid, gid: ctx.gid, pid: ctx.pid, umask: ctx.umask)
    }
}

/// The attributes a `setattr` request changes; nil fields stay as they are.
public struct AttributeChanges: Sendable {
    public enum Time: Sendable {
        case now
        case at(timespec)

        /// The time this change stands for.
        public var resolved: timespec {
            switch self {
            case .now: .now
            case .at(let time): time
            }
        }
    }

    public var mode: mode_t?
    public var uid: uid_t?
    public var gid: gid_t?
    public var size: UInt64?
    public var accessTime: Time?
    public var modificationTime: Time?
    public var changeTime: timespec?

    public init(
        mode: mode_t? = nil, uid: uid_t? = nil, gid: gid_t? = nil, size: UInt64? = nil,
        accessTime: Time? = nil, modificationTime: Time? = nil, changeTime: timespec? = nil
    ) {
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.size = size
        self.accessTime = accessTime
        self.modificationTime = modificationTime
        self.changeTime = changeTime
    }

    init(_ st: stat, toSet: Int32) {
        func has(_ flag: Int32) -> Bool { toSet & flag != 0 }
        mode = has(FUSE_SET_ATTR_MODE) ? st.st_mode : nil
        uid = has(FUSE_SET_ATTR_UID) ? st.st_uid : nil
        gid = has(FUSE_SET_ATTR_GID) ? st.st_gid : nil
        size = has(FUSE_SET_ATTR_SIZE) ? UInt64(st.st_size) : nil
        accessTime = has(FUSE_SET_ATTR_ATIME_NOW) ? .now : has(FUSE_SET_ATTR_ATIME) ? .at(st.st_atim) : nil
        modificationTime = has(FUSE_SET_ATTR_MTIME_NOW) ? .now : has(FUSE_SET_ATTR_MTIME) ? .at(st.st_mtim) : nil
        changeTime = has(FUSE_SET_ATTR_CTIME) ? st.st_ctim : nil
    }

    /// Whether only the change time is asked for (`chown(f, -1, -1)`).
    public var changesOnlyChangeTime: Bool {
        changeTime != nil && mode == nil && uid == nil && gid == nil && size == nil && accessTime == nil && modificationTime == nil
    }

    /// Whether anything besides times changes (those make a file "modified" for a copy-on-write layer).
    public var isEmpty: Bool {
        mode == nil && uid == nil && gid == nil && size == nil && accessTime == nil && modificationTime == nil
            && changeTime == nil
    }
}

/// The `flags` of `renameat2(2)`.
public struct RenameFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Fail with EEXIST if the new name exists.
    public static let noReplace = RenameFlags(rawValue: 1)
    /// Swap the two names atomically; both must exist.
    public static let exchange = RenameFlags(rawValue: 2)
    /// Leave a whiteout at the old name (overlay filesystems).
    public static let whiteout = RenameFlags(rawValue: 4)
}

/// `setxattr(2)` flags.
public enum ExtendedAttributeFlag: Sendable, Equatable {
    case createOrReplace
    /// XATTR_CREATE: fail with EEXIST if the attribute exists.
    case create
    /// XATTR_REPLACE: fail with ENODATA if it does not.
    case replace

    init(_ flags: Int32) {
        switch flags {
        case 1: self = .create
        case 2: self = .replace
        default: self = .createOrReplace
        }
    }
}
