import Dicfuse
import FuseKit
import Glibc
import SystemPackage

/// File data. `open` is answered with ENOSYS, so the kernel opens files without asking (no-open) and
/// sends reads and writes by inode with handle 0: a base file is spliced from its blob, other files from
/// a descriptor the union keeps (``DataDescriptorCache``); the first write copies a lower file up.
/// Files made by `create` carry their own descriptor as handle (their descriptor plus one).
extension UnionFilesystem {
    /// Where the bytes of a file come from.
    private enum DataSource {
        case descriptor(DataDescriptor)
        case blob(BlobHandle)
    }

    func open(inode: Inode, flags: Int32, context: RequestContext) throws(Errno) -> OpenReply {
        throw .noFunction
    }

    func create(parent: Inode, name: FilePath.Component, mode: mode_t, flags: Int32, context: RequestContext) throws(Errno) -> (Entry, OpenReply) {
        try namespaceLock.writing { () throws(Errno) -> (Entry, OpenReply) in
            let parentPath = try copyUp(parent)
            let target = layers.upperPath(joinPath(parentPath, name.string))
            var descriptor: Int32 = -1
            try edits.create(at: target) { (path) throws(Errno) in
                descriptor = try Posix.open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
                try Posix.check(fchown(descriptor, context.uid, context.gid))
                try Posix.check(fchmod(descriptor, mode & 0o7777))
            }
            nodes.removeName(name.string, in: parent)
            let inode = nodes.child(of: parent, named: name.string, lower: nil, lookups: 1)
            let st = try Posix.fstat(descriptor)
            let entry = entry(inode, at: .upper(path: joinPath(parentPath, name.string), st))
            return (entry, OpenReply(handle: OpenFiles.handle(for: descriptor), keepCache: true))
        }
    }

    func read(inode: Inode, handle: UInt64, offset: Int64, size: Int, context: RequestContext) throws(Errno) -> ReadReply {
        if let descriptor = OpenFiles.descriptor(of: handle) {
            return .file(descriptor: descriptor, offset: offset, count: size)
        }
        switch try dataSource(of: inode) {
        case .descriptor(let kept):
            return .file(descriptor: kept.descriptor, offset: offset, count: size, owner: kept)
        case .blob(let blob):
            let count = offset >= Int64(blob.size) ? 0 : min(size, Int(Int64(blob.size) - offset))
            return .file(descriptor: blob.descriptor.rawValue, offset: offset, count: count, owner: blob)
        }
    }

    func write(inode: Inode, handle: UInt64, offset: Int64, data: UnsafeRawBufferPointer, flags: Int32, context: RequestContext) throws(Errno) -> Int {
        let kept = OpenFiles.descriptor(of: handle) == nil ? try upperDescriptor(of: inode) : nil
        let descriptor = kept?.descriptor ?? OpenFiles.descriptor(of: handle)!
        return try withExtendedLifetime(kept) { () throws(Errno) -> Int in
            var written = 0
            while written < data.count {
                let count = pwrite(descriptor, data.baseAddress! + written, data.count - written, off_t(offset) + off_t(written))
                if count < 0 && errno == EINTR { continue }
                guard count >= 0 else { throw Errno(rawValue: errno) }
                if count == 0 { break }
                written += count
            }
            return written
        }
    }

    func release(inode: Inode, handle: UInt64, flags: Int32) {
        if let descriptor = OpenFiles.descriptor(of: handle) { close(descriptor) }
    }

    func fsync(inode: Inode, handle: UInt64, dataOnly: Bool) throws(Errno) {
        let kept = dataDescriptors.descriptor(for: inode)
        guard let descriptor = OpenFiles.descriptor(of: handle) ?? kept?.descriptor else { return }
        try withExtendedLifetime(kept) { () throws(Errno) in
            try Posix.check(dataOnly ? fdatasync(descriptor) : Glibc.fsync(descriptor))
        }
    }

    func fallocate(inode: Inode, handle: UInt64, mode: Int32, offset: Int64, length: Int64) throws(Errno) {
        guard let fallocate = LateBoundCalls.fallocate else { throw .noFunction }
        let kept = OpenFiles.descriptor(of: handle) == nil ? try upperDescriptor(of: inode) : nil
        let descriptor = kept?.descriptor ?? OpenFiles.descriptor(of: handle)!
        try withExtendedLifetime(kept) { () throws(Errno) in try Posix.check(fallocate(descriptor, mode, offset, length)) }
    }

    func lseek(inode: Inode, handle: UInt64, offset: Int64, whence: Int32) throws(Errno) -> Int64 {
        let result: off_t
        if let descriptor = OpenFiles.descriptor(of: handle) {
            result = Glibc.lseek(descriptor, off_t(offset), whence)
        } else {
            switch try dataSource(of: inode) {
            case .descriptor(let kept): result = withExtendedLifetime(kept) { Glibc.lseek(kept.descriptor, off_t(offset), whence) }
            case .blob(let blob): result = withExtendedLifetime(blob) { Glibc.lseek(blob.descriptor.rawValue, off_t(offset), whence) }
            }
        }
        guard result >= 0 else { throw Errno(rawValue: errno) }
        return Int64(result)
    }

    /// The bytes of `inode` for reading: a kept descriptor, or one opened in the topmost layer.
    private func dataSource(of inode: Inode) throws(Errno) -> DataSource {
        if let kept = dataDescriptors.descriptor(for: inode) { return .descriptor(kept) }
        return try namespaceLock.reading { () throws(Errno) -> DataSource in
            switch try location(of: inode) {
            case .upper(let path, _):
                let descriptor = try Posix.open(layers.upperPath(path), O_RDWR)
                return .descriptor(dataDescriptors.keep(DataDescriptor(descriptor: descriptor, isUpper: true), for: inode))
            case .changeList(let path, _):
                let descriptor = try Posix.open(layers.changeListPath(path)!, O_RDONLY)
                return .descriptor(dataDescriptors.keep(DataDescriptor(descriptor: descriptor, isUpper: false), for: inode))
            case .base(let base, _):
                return .blob(try layers.dicfuse.blob(of: base))
            }
        }
    }

    /// A writable descriptor of `inode`'s upper file, copying the file up first if it is not there.
    private func upperDescriptor(of inode: Inode) throws(Errno) -> DataDescriptor {
        if let kept = dataDescriptors.descriptor(for: inode), kept.isUpper { return kept }
        return try namespaceLock.writing { () throws(Errno) -> DataDescriptor in
            let path = try copyUp(inode)
            let descriptor = try Posix.open(layers.upperPath(path), O_RDWR)
            return dataDescriptors.keep(DataDescriptor(descriptor: descriptor, isUpper: true), for: inode)
        }
    }
}
