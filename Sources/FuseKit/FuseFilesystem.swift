import Glibc
import SystemPackage

/// A filesystem served to the kernel through libfuse's low-level API.
///
/// The kernel names files by ``Inode`` number, not by path: it looks a name up in a directory once, then
/// sends every later request for that file with the inode number the lookup returned, until it forgets
/// it. It caches three things, each for the time the reply allows: name→inode entries
/// (``Entry/entryTimeout``), attributes (``Entry/attributeTimeout``) and file data (the page cache, kept
/// across opens with ``OpenReply/keepCache``). Longer timeouts mean fewer requests; a filesystem whose
/// files change only through its own mount can use long ones.
///
/// Requests arrive on several libfuse threads at once, so a filesystem must be thread-safe. The methods
/// run on those threads, outside any actor, and should neither block on Swift concurrency nor take a
/// lock shared by every request.
///
/// Every method has a default: the operation is answered with `ENOSYS` (or a harmless success where the
/// kernel needs one, such as `forget`). For `open`, `opendir`, `flush`, `access` and the xattr family the
/// kernel remembers `ENOSYS` and stops sending that request at all — the cheapest answer there is.
/// Errors are `Errno` values; FuseKit replies with them.
public protocol FuseFilesystem: AnyObject, Sendable {
    /// Called once the kernel's INIT arrives, before any other request; may adjust what is negotiated.
    func initialize(_ connection: inout ConnectionSettings)
    /// Called when the session ends (after unmount).
    func destroy()

    func lookup(parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) -> Entry
    /// The kernel dropped `lookups` references to `inode` (see ``Inode``).
    func forget(inode: Inode, lookups: UInt64)
    func getattr(inode: Inode, handle: UInt64?, context: RequestContext) throws(Errno) -> AttributesReply
    func setattr(inode: Inode, changes: AttributeChanges, handle: UInt64?, context: RequestContext) throws(Errno) -> AttributesReply
    func readlink(inode: Inode, context: RequestContext) throws(Errno) -> FilePath

    func mknod(parent: Inode, name: FilePath.Component, mode: mode_t, rdev: dev_t, context: RequestContext) throws(Errno) -> Entry
    func mkdir(parent: Inode, name: FilePath.Component, mode: mode_t, context: RequestContext) throws(Errno) -> Entry
    func unlink(parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno)
    func rmdir(parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno)
    func symlink(target: FilePath, parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) -> Entry
    func rename(
        parent: Inode, name: FilePath.Component, newParent: Inode, newName: FilePath.Component,
        flags: RenameFlags, context: RequestContext) throws(Errno)
    func link(inode: Inode, newParent: Inode, newName: FilePath.Component, context: RequestContext) throws(Errno) -> Entry

    func open(inode: Inode, flags: Int32, context: RequestContext) throws(Errno) -> OpenReply
    func create(parent: Inode, name: FilePath.Component, mode: mode_t, flags: Int32, context: RequestContext) throws(Errno) -> (Entry, OpenReply)
    func read(inode: Inode, handle: UInt64, offset: Int64, size: Int, context: RequestContext) throws(Errno) -> ReadReply
    /// Returns how many bytes were written.
    func write(inode: Inode, handle: UInt64, offset: Int64, data: UnsafeRawBufferPointer, flags: Int32, context: RequestContext) throws(Errno) -> Int
    func flush(inode: Inode, handle: UInt64, context: RequestContext) throws(Errno)
    func release(inode: Inode, handle: UInt64, flags: Int32)
    func fsync(inode: Inode, handle: UInt64, dataOnly: Bool) throws(Errno)
    func fallocate(inode: Inode, handle: UInt64, mode: Int32, offset: Int64, length: Int64) throws(Errno)
    /// `SEEK_DATA`/`SEEK_HOLE`; plain seeks never reach the filesystem.
    func lseek(inode: Inode, handle: UInt64, offset: Int64, whence: Int32) throws(Errno) -> Int64

    func opendir(inode: Inode, flags: Int32, context: RequestContext) throws(Errno) -> OpenReply
    /// Fills `buffer` with entries after the cookie `offset` (0 = from the start), each carrying the cookie of
    /// the entry after it; stops when ``DirectoryBuffer/add(name:inode:type:nextOffset:)`` returns false.
    func readdir(inode: Inode, handle: UInt64, offset: Int64, into buffer: inout DirectoryBuffer) throws(Errno)
    /// Like readdir, with full entries; each entry added (other than `.` and `..`) counts as a lookup.
    func readdirplus(inode: Inode, handle: UInt64, offset: Int64, into buffer: inout DirectoryBuffer) throws(Errno)
    func releasedir(inode: Inode, handle: UInt64)
    func fsyncdir(inode: Inode, handle: UInt64, dataOnly: Bool) throws(Errno)

    func statfs(inode: Inode) throws(Errno) -> FilesystemStatistics
    func access(inode: Inode, mask: Int32, context: RequestContext) throws(Errno)

    func setxattr(inode: Inode, name: String, value: UnsafeRawBufferPointer, flag: ExtendedAttributeFlag, context: RequestContext) throws(Errno)
    func getxattr(inode: Inode, name: String, context: RequestContext) throws(Errno) -> [UInt8]
    func listxattr(inode: Inode, context: RequestContext) throws(Errno) -> [String]
    func removexattr(inode: Inode, name: String, context: RequestContext) throws(Errno)
}

extension FuseFilesystem {
    public func initialize(_ connection: inout ConnectionSettings) {}
    public func destroy() {}

    public func lookup(parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) -> Entry { throw .noFunction }
    public func forget(inode: Inode, lookups: UInt64) {}
    public func getattr(inode: Inode, handle: UInt64?, context: RequestContext) throws(Errno) -> AttributesReply { throw .noFunction }
    public func setattr(inode: Inode, changes: AttributeChanges, handle: UInt64?, context: RequestContext) throws(Errno) -> AttributesReply { throw .noFunction }
    public func readlink(inode: Inode, context: RequestContext) throws(Errno) -> FilePath { throw .noFunction }

    public func mknod(parent: Inode, name: FilePath.Component, mode: mode_t, rdev: dev_t, context: RequestContext) throws(Errno) -> Entry { throw .noFunction }
    public func mkdir(parent: Inode, name: FilePath.Component, mode: mode_t, context: RequestContext) throws(Errno) -> Entry { throw .noFunction }
    public func unlink(parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) { throw .noFunction }
    public func rmdir(parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) { throw .noFunction }
    public func symlink(target: FilePath, parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) -> Entry { throw .noFunction }
    public func rename(
        parent: Inode, name: FilePath.Component, newParent: Inode, newName: FilePath.Component,
        flags: RenameFlags, context: RequestContext
    ) throws(Errno) { throw .noFunction }
    public func link(inode: Inode, newParent: Inode, newName: FilePath.Component, context: RequestContext) throws(Errno) -> Entry { throw .noFunction }

    public func open(inode: Inode, flags: Int32, context: RequestContext) throws(Errno) -> OpenReply { throw .noFunction }
    public func create(parent: Inode, name: FilePath.Component, mode: mode_t, flags: Int32, context: RequestContext) throws(Errno) -> (Entry, OpenReply) { throw .noFunction }
    public func read(inode: Inode, handle: UInt64, offset: Int64, size: Int, context: RequestContext) throws(Errno) -> ReadReply { throw .noFunction }
    public func write(inode: Inode, handle: UInt64, offset: Int64, data: UnsafeRawBufferPointer, flags: Int32, context: RequestContext) throws(Errno) -> Int { throw .noFunction }
    public func flush(inode: Inode, handle: UInt64, context: RequestContext) throws(Errno) { throw .noFunction }
    public func release(inode: Inode, handle: UInt64, flags: Int32) {}
    public func fsync(inode: Inode, handle: UInt64, dataOnly: Bool) throws(Errno) { throw .noFunction }
    public func fallocate(inode: Inode, handle: UInt64, mode: Int32, offset: Int64, length: Int64) throws(Errno) { throw .noFunction }
    public func lseek(inode: Inode, handle: UInt64, offset: Int64, whence: Int32) throws(Errno) -> Int64 { throw .noFunction }

    public func opendir(inode: Inode, flags: Int32, context: RequestContext) throws(Errno) -> OpenReply { throw .noFunction }
    public func readdir(inode: Inode, handle: UInt64, offset: Int64, into buffer: inout DirectoryBuffer) throws(Errno) { throw .noFunction }
    public func readdirplus(inode: Inode, handle: UInt64, offset: Int64, into buffer: inout DirectoryBuffer) throws(Errno) { throw .noFunction }
    public func releasedir(inode: Inode, handle: UInt64) {}
    public func fsyncdir(inode: Inode, handle: UInt64, dataOnly: Bool) throws(Errno) { throw .noFunction }

    public func statfs(inode: Inode) throws(Errno) -> FilesystemStatistics { FilesystemStatistics() }
    public func access(inode: Inode, mask: Int32, context: RequestContext) throws(Errno) { throw .noFunction }

    public func setxattr(inode: Inode, name: String, value: UnsafeRawBufferPointer, flag: ExtendedAttributeFlag, context: RequestContext) throws(Errno) { throw .noFunction }
    public func getxattr(inode: Inode, name: String, context: RequestContext) throws(Errno) -> [UInt8] { throw .noFunction }
    public func listxattr(inode: Inode, context: RequestContext) throws(Errno) -> [String] { throw .noFunction }
    public func removexattr(inode: Inode, name: String, context: RequestContext) throws(Errno) { throw .noFunction }
}
