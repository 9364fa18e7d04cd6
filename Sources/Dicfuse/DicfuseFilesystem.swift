import FuseKit
import Glibc
import SystemPackage

/// A Dicfuse instance served read-only through FUSE, with every lever an immutable filesystem allows:
/// long entry and attribute timeouts, no open/opendir/release/flush requests (answered ENOSYS once, so
/// the kernel keeps page and directory caches and stops asking), readdirplus, and reads spliced from the
/// content store's descriptors.
public final class DicfuseFilesystem: FuseFilesystem {
    public let dicfuse: Dicfuse
    /// Who every entry is shown as owned by (a build user's base); nil: the owners Dicfuse reports.
    public let owner: FileOwner?
    private var timeout: Double { dicfuse.options.cacheTimeout }

    public init(_ dicfuse: Dicfuse, owner: FileOwner? = nil) {
        self.dicfuse = dicfuse
        self.owner = owner
    }

    /// Mount options for a read-only base: `fsname` names the source revision in /proc/mounts.
    public static func mountOptions(for dicfuse: Dicfuse) -> MountOptions {
        var options = MountOptions(fsName: "scorpio-base:\(dicfuse.source.revision.id.short)", subtype: "scorpio-base")
        options.readOnly = true
        options.allowOther = geteuid() == 0  // every user reads a base served by root
        options.readdirPlus = .always
        options.spliceRead = true
        options.writebackCache = false
        options.cacheSymlinks = true
        options.negativeTimeout = dicfuse.options.cacheTimeout  // a base never gains names
        // Every job on the host reads its base at once: libfuse would end each worker beyond the idle
        // count after a burst and start another (a thread and its request buffer) at the next one.
        options.idleThreads = options.maxThreads
        // One base serves every job on the host: answering on the asking CPU spares each request the
        // cross-CPU wake-ups that make most of a cold read's cost on /dev/fuse.
        options.requestRing = true
        return options
    }

    private func entry(_ attributes: FileAttributes) -> Entry {
        Entry(attributes: owned(attributes), attributeTimeout: timeout, entryTimeout: timeout)
    }

    private func owned(_ attributes: FileAttributes) -> FileAttributes {
        guard let owner else { return attributes }
        var owned = attributes
        owned.uid = owner.uid
        owned.gid = owner.gid
        return owned
    }

    public func lookup(parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) -> Entry {
        entry(try dicfuse.lookup(parent: parent, name: name))
    }

    public func getattr(inode: Inode, handle: UInt64?, context: RequestContext) throws(Errno) -> AttributesReply {
        AttributesReply(owned(try dicfuse.attributes(of: inode)), timeout: timeout)
    }

    public func readlink(inode: Inode, context: RequestContext) throws(Errno) -> FilePath {
        try dicfuse.readlink(inode)
    }

    public func read(inode: Inode, handle: UInt64, offset: Int64, size: Int, context: RequestContext) throws(Errno) -> ReadReply {
        let blob = try dicfuse.blob(of: inode)
        let count = offset >= Int64(blob.size) ? 0 : min(size, Int(Int64(blob.size) - offset))
        return .file(descriptor: blob.descriptor.rawValue, offset: offset, count: count, owner: blob)
    }

    public func readdir(inode: Inode, handle: UInt64, offset: Int64, into buffer: inout DirectoryBuffer) throws(Errno) {
        try list(inode, from: offset, into: &buffer, plus: false)
    }

    public func readdirplus(inode: Inode, handle: UInt64, offset: Int64, into buffer: inout DirectoryBuffer) throws(Errno) {
        try list(inode, from: offset, into: &buffer, plus: true)
    }

    /// Cookies: 1 is ".", 2 is "..", 3 + i is child i; each entry carries the cookie of the next.
    private func list(_ inode: Inode, from offset: Int64, into buffer: inout DirectoryBuffer, plus: Bool) throws(Errno) {
        var position = offset
        if position < 2 {
            let dots: [(FilePath.Component, Inode)] = [(".", inode), ("..", dicfuse.parent(of: inode))]
            for (name, target) in dots[Int(position)...] {
                let attributes = try dicfuse.attributes(of: target)
                let added = plus
                    ? buffer.add(name: name, entry: entry(attributes), nextOffset: position + 1)
                    : buffer.add(name: name, inode: target, type: attributes.fileType, nextOffset: position + 1)
                guard added else { return }
                position += 1
            }
        }
        for child in try dicfuse.children(of: inode, from: Int(position - 2)) {
            let added = plus
                ? buffer.add(name: child.name, entry: entry(child.attributes), nextOffset: position + 1)
                : buffer.add(name: child.name, inode: child.attributes.inode, type: child.attributes.fileType, nextOffset: position + 1)
            guard added else { return }
            position += 1
        }
    }

    /// A source with xattrs (a plain directory) shows them; for any other the kernel is told once that
    /// there are none to ask for (ENOSYS), so `ls -l` and copy-ups cost no request.
    public func getxattr(inode: Inode, name: String, context: RequestContext) throws(Errno) -> [UInt8] {
        guard let source = dicfuse.source as? any ExtendedAttributeSource else { throw .noFunction }
        return try source.extendedAttribute(name, at: dicfuse.path(of: inode))
    }

    public func listxattr(inode: Inode, context: RequestContext) throws(Errno) -> [String] {
        guard let source = dicfuse.source as? any ExtendedAttributeSource else { throw .noFunction }
        return try source.extendedAttributeNames(at: dicfuse.path(of: inode))
    }

    public func statfs(inode: Inode) throws(Errno) -> FilesystemStatistics {
        let entries = UInt(dicfuse.statistics.entries)
        return FilesystemStatistics(files: entries, maximumNameLength: 255)
    }
}

extension Dicfuse {
    /// Serves this instance read-only at `mountpoint` until the returned mount is unmounted; `owner`
    /// shows every entry as that user's.
    public func mount(at mountpoint: FilePath, owner: FileOwner? = nil) throws(FuseMountError) -> FuseMount {
        try FuseMount(DicfuseFilesystem(self, owner: owner), at: mountpoint, options: DicfuseFilesystem.mountOptions(for: self))
    }
}
