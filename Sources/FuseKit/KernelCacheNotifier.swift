import CFuse
import Glibc
import SystemPackage

/// Tells the kernel that cached entries, attributes or data of a mounted filesystem changed behind its
/// back, so long cache timeouts stay correct.
///
/// Do not call these from inside a request handler for the same inode or directory: the kernel may hold
/// that inode's lock while it waits for the handler, and the notification waits for the lock.
public struct KernelCacheNotifier: Sendable {
    let handle: SessionHandle

    /// Drops the cached attributes of `inode` and, for the byte range given, its cached data
    /// (`offset` 0 and `length` 0 drop all data; a negative offset drops attributes only).
    @discardableResult
    public func invalidateInode(_ inode: Inode, offset: Int64 = 0, length: Int64 = 0) -> Errno? {
        result(handle.withSession { fuse_lowlevel_notify_inval_inode($0, inode.fuseValue, off_t(offset), off_t(length)) })
    }

    /// Drops the cached name `name` in `parent` (and the negative entry, if that is what is cached).
    @discardableResult
    public func invalidateEntry(parent: Inode, name: FilePath.Component) -> Errno? {
        result(handle.withSession { session in
            name.withPlatformString { fuse_lowlevel_notify_inval_entry(session, parent.fuseValue, $0, strlen($0)) }
        })
    }

    /// Tells the kernel that `name` in `parent`, which was `child`, is gone (also ends open users' views).
    @discardableResult
    public func notifyDeleted(parent: Inode, child: Inode, name: FilePath.Component) -> Errno? {
        result(handle.withSession { session in
            name.withPlatformString { fuse_lowlevel_notify_delete(session, parent.fuseValue, child.fuseValue, $0, strlen($0)) }
        })
    }

    private func result(_ code: Int32?) -> Errno? {
        guard let code else { return Errno.operationNotSupportedByDevice }
        return code == 0 ? nil : Errno(rawValue: -code)
    }
}
