import FuseKit
import Glibc
import SystemPackage

/// File data. `open` is answered with ENOSYS, so the kernel opens files without asking (no-open) and
/// sends reads and writes by inode, spliced from a descriptor of the file in its layer that the union
/// keeps (``DataDescriptorCache``; a lower file small enough for one request is opened for that request
/// alone); the first write copies a lower file up. `create` hands out
/// no file handle either: once the kernel knows the server has no `open`, it never releases a created
/// file's handle, so a descriptor given out as one would stay open for good.
extension UnionFilesystem {
    func open(inode: Inode, flags: Int32, context: RequestContext) throws(Errno) -> OpenReply {
        throw .noFunction
    }

    func create(parent: Inode, name: FilePath.Component, mode: mode_t, flags: Int32, context: RequestContext) throws(Errno) -> (Entry, OpenReply) {
        try Self.checkName(name)
        return try namespaceLock.writing { () throws(Errno) -> (Entry, OpenReply) in
            let parentPath = try copyUpPath(parent)
            let path = joinPath(parentPath, name.string)
            let owner = owner(ofNewEntryIn: parentPath, context: context)
            var descriptor: Int32 = -1
            try edits.create(at: path) { (directory, made) throws(Errno) in
                descriptor = try directory.open(made, O_RDWR | O_CREAT | O_EXCL, 0o600)
                try Posix.check(fchown(descriptor, owner.uid, owner.gid))
                try Posix.check(fchmod(descriptor, mode & 0o7777))
            }
            let kept = DataDescriptor(descriptor: descriptor, isWritable: true)
            nodes.removeName(name.string, in: parent)
            let inode = nodes.child(of: parent, named: name.string, lower: nil, lookups: 1)
            let st = try Posix.fstat(descriptor)
            _ = dataDescriptors.keep(kept, for: inode)
            return (entry(inode, at: EntryLocation(layers.upperEntry(path), st)), OpenReply(handle: 0, keepCache: true))
        }
    }

    func read(inode: Inode, handle: UInt64, offset: Int64, size: Int, context: RequestContext) throws(Errno) -> ReadReply {
        let kept = try dataDescriptor(of: inode)
        let count = kept.lowerSize.map { offset >= $0 ? 0 : min(size, Int($0 - offset)) } ?? size
        return .file(descriptor: kept.descriptor, offset: offset, count: count, owner: kept)
    }

    func write(inode: Inode, handle: UInt64, offset: Int64, data: UnsafeRawBufferPointer, flags: Int32, context: RequestContext) throws(Errno) -> Int {
        let kept = try writableDescriptor(of: inode)
        if let group = kept.setGroupIDWithoutExecute, context.uid != 0,
            !CallerGroups.contains(group, pid: context.pid, effectiveGID: context.gid)
        {
            try clearSetGroupID(inode, kept.descriptor)
        }
        return try withExtendedLifetime(kept) { () throws(Errno) -> Int in
            var written = 0
            while written < data.count {
                let count = pwrite(kept.descriptor, data.baseAddress! + written, data.count - written, off_t(offset) + off_t(written))
                if count < 0 && errno == EINTR { continue }
                guard count >= 0 else { throw Errno(rawValue: errno) }
                if count == 0 { break }
                written += count
            }
            return written
        }
    }

    func fsync(inode: Inode, handle: UInt64, dataOnly: Bool) throws(Errno) {
        // The kernel takes "not implemented" as success, and sends no fsync to this mount again.
        guard syncsWrites else { throw .noFunction }
        guard let kept = dataDescriptors.descriptor(for: inode), kept.isWritable else { return }
        try withExtendedLifetime(kept) { () throws(Errno) in
            try Posix.check(dataOnly ? fdatasync(kept.descriptor) : Glibc.fsync(kept.descriptor))
        }
    }

    func fallocate(inode: Inode, handle: UInt64, mode: Int32, offset: Int64, length: Int64) throws(Errno) {
        guard let fallocate = LateBoundCalls.fallocate else { throw .noFunction }
        let kept = try writableDescriptor(of: inode)
        try withExtendedLifetime(kept) { () throws(Errno) in try Posix.check(fallocate(kept.descriptor, mode, offset, length)) }
    }

    func lseek(inode: Inode, handle: UInt64, offset: Int64, whence: Int32) throws(Errno) -> Int64 {
        let kept = try dataDescriptor(of: inode)
        let result = withExtendedLifetime(kept) { Glibc.lseek(kept.descriptor, off_t(offset), whence) }
        guard result >= 0 else { throw Errno(rawValue: errno) }
        return Int64(result)
    }

    /// Clears a set-group-ID bit Linux takes away from a file written or truncated by someone outside
    /// its group, and tells the kernel the attributes it cached changed.
    func clearSetGroupID(_ inode: Inode, _ descriptor: Int32) throws(Errno) {
        var st = stat()
        try Posix.check(fstat(descriptor, &st))
        try Posix.check(fchmod(descriptor, st.st_mode & 0o7777 & ~S_ISGID))
        dataDescriptors.remove(inode)
        invalidations.invalidate(inode)
    }

    /// The bytes of `inode` for reading: a kept descriptor, or one opened in the topmost layer (and kept,
    /// unless it is a lower file read in one request).
    private func dataDescriptor(of inode: Inode) throws(Errno) -> DataDescriptor {
        if let kept = dataDescriptors.descriptor(for: inode) { return kept }
        return try namespaceLock.reading { () throws(Errno) -> DataDescriptor in
            let location = try location(of: inode)
            let entry = location.entry
            guard entry.isWritable else {
                let opened = try entry.directory.openForKeeping(entry.path, size: Int64(location.status.st_size))
                return location.status.st_size <= Self.singleReadSize ? opened : dataDescriptors.keep(opened, for: inode)
            }
            return dataDescriptors.keep(DataDescriptor(descriptor: try entry.directory.open(entry.path, O_RDWR), isWritable: true), for: inode)
        }
    }

    /// A writable descriptor of `inode`'s own file, copying the file up first if it is not in the upper layer.
    private func writableDescriptor(of inode: Inode) throws(Errno) -> DataDescriptor {
        if let kept = dataDescriptors.descriptor(for: inode), kept.isWritable { return kept }
        return try namespaceLock.writing { () throws(Errno) -> DataDescriptor in
            let entry = try copyUp(inode)
            let descriptor = try entry.directory.open(entry.path, O_RDWR)
            return dataDescriptors.keep(DataDescriptor(descriptor: descriptor, isWritable: true), for: inode)
        }
    }
}
