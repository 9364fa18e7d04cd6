import CFuse
import CFuseRing
import Glibc
import SystemPackage

/// The C callback table handed to libfuse. Each entry finds the session's filesystem through the request's
/// userdata, calls it, and turns its answer or its `Errno` into the matching `fuse_reply_*`.
///
/// These closures run on libfuse's worker threads; they are built here, outside any actor, and capture
/// nothing (C function pointers cannot).
func makeOperations(readdirPlus: Bool) -> fuse_lowlevel_ops {
    var ops = fuse_lowlevel_ops()

    ops.`init` = { userdata, conn in
        guard let userdata, let conn else { return }
        Unmanaged<SessionContext>.fromOpaque(userdata).takeUnretainedValue().negotiate(&conn.pointee)
    }
    ops.destroy = { userdata in
        guard let userdata else { return }
        Unmanaged<SessionContext>.fromOpaque(userdata).takeUnretainedValue().filesystem.destroy()
    }

    ops.lookup = { req, parent, name in
        withName(req, .lookup, name) { session, ctx, name throws(Errno) in
            do throws(Errno) {
                replyEntry(req, try session.filesystem.lookup(parent: Inode(fuse: parent), name: name, context: ctx))
            } catch .noSuchFileOrDirectory where session.negativeTimeout > 0 {
                var param = fuse_entry_param()
                param.entry_timeout = session.negativeTimeout
                fuse_reply_entry(req, &param)
            }
        }
    }
    ops.forget = { req, ino, nlookup in
        session(req).requests.record(.forget)
        session(req).filesystem.forget(inode: Inode(fuse: ino), lookups: nlookup)
        fuse_reply_none(req)
    }
    ops.forget_multi = { req, count, forgets in
        session(req).requests.record(.forget)
        let fs = session(req).filesystem
        for item in UnsafeBufferPointer(start: forgets, count: count) {
            fs.forget(inode: Inode(fuse: item.ino), lookups: item.nlookup)
        }
        fuse_reply_none(req)
    }
    ops.getattr = { req, ino, fi in
        answer(req, .getattr) { session, ctx throws(Errno) in
            let reply = try session.filesystem.getattr(inode: Inode(fuse: ino), handle: fi?.pointee.fh, context: ctx)
            var st = reply.attributes.stat
            fuse_reply_attr(req, &st, reply.timeout)
        }
    }
    ops.setattr = { req, ino, attr, toSet, fi in
        answer(req, .setattr) { session, ctx throws(Errno) in
            guard let attr else { throw .invalidArgument }
            let changes = AttributeChanges(attr.pointee, toSet: toSet)
            let reply = try session.filesystem.setattr(inode: Inode(fuse: ino), changes: changes, handle: fi?.pointee.fh, context: ctx)
            var st = reply.attributes.stat
            fuse_reply_attr(req, &st, reply.timeout)
        }
    }
    ops.readlink = { req, ino in
        answer(req, .readlink) { session, ctx throws(Errno) in
            let target = try session.filesystem.readlink(inode: Inode(fuse: ino), context: ctx)
            target.withPlatformString { _ = fuse_reply_readlink(req, $0) }
        }
    }

    ops.mknod = { req, parent, name, mode, rdev in
        withName(req, .mknod, name) { session, ctx, name throws(Errno) in
            replyEntry(req, try session.filesystem.mknod(parent: Inode(fuse: parent), name: name, mode: mode, rdev: rdev, context: ctx))
        }
    }
    ops.mkdir = { req, parent, name, mode in
        withName(req, .mkdir, name) { session, ctx, name throws(Errno) in
            replyEntry(req, try session.filesystem.mkdir(parent: Inode(fuse: parent), name: name, mode: mode, context: ctx))
        }
    }
    ops.unlink = { req, parent, name in
        withName(req, .unlink, name) { session, ctx, name throws(Errno) in
            try session.filesystem.unlink(parent: Inode(fuse: parent), name: name, context: ctx)
            fuse_reply_err(req, 0)
        }
    }
    ops.rmdir = { req, parent, name in
        withName(req, .rmdir, name) { session, ctx, name throws(Errno) in
            try session.filesystem.rmdir(parent: Inode(fuse: parent), name: name, context: ctx)
            fuse_reply_err(req, 0)
        }
    }
    ops.symlink = { req, link, parent, name in
        withName(req, .symlink, name) { session, ctx, name throws(Errno) in
            guard let link else { throw .invalidArgument }
            let target = FilePath(platformString: link)
            replyEntry(req, try session.filesystem.symlink(target: target, parent: Inode(fuse: parent), name: name, context: ctx))
        }
    }
    ops.rename = { req, parent, name, newParent, newName, flags in
        withName(req, .rename, name) { session, ctx, name throws(Errno) in
            guard let newName, let to = FilePath.Component(platformString: newName) else { throw .invalidArgument }
            try session.filesystem.rename(
                parent: Inode(fuse: parent), name: name, newParent: Inode(fuse: newParent), newName: to,
                flags: RenameFlags(rawValue: flags), context: ctx)
            fuse_reply_err(req, 0)
        }
    }
    ops.link = { req, ino, newParent, newName in
        withName(req, .link, newName) { session, ctx, name throws(Errno) in
            replyEntry(req, try session.filesystem.link(inode: Inode(fuse: ino), newParent: Inode(fuse: newParent), newName: name, context: ctx))
        }
    }

    ops.open = { req, ino, fi in
        answer(req, .open) { session, ctx throws(Errno) in
            guard let fi else { throw .invalidArgument }
            let reply = try session.filesystem.open(inode: Inode(fuse: ino), flags: fi.pointee.flags, context: ctx)
            fi.pointee.apply(reply)
            fuse_reply_open(req, fi)
        }
    }
    ops.create = { req, parent, name, mode, fi in
        withName(req, .create, name) { session, ctx, name throws(Errno) in
            guard let fi else { throw .invalidArgument }
            let (entry, reply) = try session.filesystem.create(
                parent: Inode(fuse: parent), name: name, mode: mode, flags: fi.pointee.flags, context: ctx)
            fi.pointee.apply(reply)
            var param = fuse_entry_param(entry)
            fuse_reply_create(req, &param, fi)
        }
    }
    ops.read = { req, ino, size, offset, fi in
        answer(req, .read) { session, ctx throws(Errno) in
            let handle = fi?.pointee.fh ?? 0
            switch try session.filesystem.read(inode: Inode(fuse: ino), handle: handle, offset: Int64(offset), size: size, context: ctx) {
            case .bytes(let bytes):
                session.requests.recordRead(bytes: bytes.count)
                bytes.withUnsafeBytes { _ = fuse_reply_buf(req, $0.baseAddress?.assumingMemoryBound(to: CChar.self), $0.count) }
            case .file(let descriptor, let offset, let count, let owner):
                session.requests.recordRead(bytes: count)
                withExtendedLifetime(owner) {
                    replyFromDescriptor(req, descriptor: descriptor, offset: offset, count: count)
                }
            }
        }
    }
    ops.write = { req, ino, buf, size, offset, fi in
        answer(req, .write) { session, ctx throws(Errno) in
            let data = UnsafeRawBufferPointer(start: buf, count: size)
            let written = try session.filesystem.write(
                inode: Inode(fuse: ino), handle: fi?.pointee.fh ?? 0, offset: Int64(offset), data: data,
                flags: fi?.pointee.flags ?? 0, context: ctx)
            session.requests.recordWritten(bytes: written)
            fuse_reply_write(req, written)
        }
    }
    ops.flush = { req, ino, fi in
        answer(req, .flush) { session, ctx throws(Errno) in
            try session.filesystem.flush(inode: Inode(fuse: ino), handle: fi?.pointee.fh ?? 0, context: ctx)
            fuse_reply_err(req, 0)
        }
    }
    ops.release = { req, ino, fi in
        session(req).requests.record(.release)
        session(req).filesystem.release(inode: Inode(fuse: ino), handle: fi?.pointee.fh ?? 0, flags: fi?.pointee.flags ?? 0)
        fuse_reply_err(req, 0)
    }
    ops.fsync = { req, ino, datasync, fi in
        answer(req, .fsync) { session, _ throws(Errno) in
            try session.filesystem.fsync(inode: Inode(fuse: ino), handle: fi?.pointee.fh ?? 0, dataOnly: datasync != 0)
            fuse_reply_err(req, 0)
        }
    }
    ops.fallocate = { req, ino, mode, offset, length, fi in
        answer(req, .fallocate) { session, _ throws(Errno) in
            try session.filesystem.fallocate(inode: Inode(fuse: ino), handle: fi?.pointee.fh ?? 0, mode: mode, offset: Int64(offset), length: Int64(length))
            fuse_reply_err(req, 0)
        }
    }
    ops.lseek = { req, ino, offset, whence, fi in
        answer(req, .lseek) { session, _ throws(Errno) in
            let result = try session.filesystem.lseek(inode: Inode(fuse: ino), handle: fi?.pointee.fh ?? 0, offset: Int64(offset), whence: whence)
            fuse_reply_lseek(req, off_t(result))
        }
    }

    ops.opendir = { req, ino, fi in
        answer(req, .opendir) { session, ctx throws(Errno) in
            guard let fi else { throw .invalidArgument }
            let reply = try session.filesystem.opendir(inode: Inode(fuse: ino), flags: fi.pointee.flags, context: ctx)
            fi.pointee.apply(reply)
            fuse_reply_open(req, fi)
        }
    }
    ops.readdir = { req, ino, size, offset, fi in
        answer(req, .readdir) { session, _ throws(Errno) in
            var buffer = DirectoryBuffer(request: req!, capacity: size, isPlus: false)
            try session.filesystem.readdir(inode: Inode(fuse: ino), handle: fi?.pointee.fh ?? 0, offset: Int64(offset), into: &buffer)
            _ = buffer.reply()
        }
    }
    if readdirPlus {
        ops.readdirplus = { req, ino, size, offset, fi in
            answer(req, .readdirplus) { session, _ throws(Errno) in
                var buffer = DirectoryBuffer(request: req!, capacity: size, isPlus: true)
                try session.filesystem.readdirplus(inode: Inode(fuse: ino), handle: fi?.pointee.fh ?? 0, offset: Int64(offset), into: &buffer)
                _ = buffer.reply()
            }
        }
    }
    ops.releasedir = { req, ino, fi in
        session(req).requests.record(.releasedir)
        session(req).filesystem.releasedir(inode: Inode(fuse: ino), handle: fi?.pointee.fh ?? 0)
        fuse_reply_err(req, 0)
    }
    ops.fsyncdir = { req, ino, datasync, fi in
        answer(req, .fsyncdir) { session, _ throws(Errno) in
            try session.filesystem.fsyncdir(inode: Inode(fuse: ino), handle: fi?.pointee.fh ?? 0, dataOnly: datasync != 0)
            fuse_reply_err(req, 0)
        }
    }

    ops.statfs = { req, ino in
        answer(req, .statfs) { session, _ throws(Errno) in
            var st = try session.filesystem.statfs(inode: Inode(fuse: ino)).systemValue
            fuse_reply_statfs(req, &st)
        }
    }
    ops.access = { req, ino, mask in
        answer(req, .access) { session, ctx throws(Errno) in
            try session.filesystem.access(inode: Inode(fuse: ino), mask: mask, context: ctx)
            fuse_reply_err(req, 0)
        }
    }

    ops.setxattr = { req, ino, name, value, size, flags in
        answer(req, .setxattr) { session, ctx throws(Errno) in
            guard let name else { throw .invalidArgument }
            try session.filesystem.setxattr(
                inode: Inode(fuse: ino), name: String(cString: name), value: UnsafeRawBufferPointer(start: value, count: size),
                flag: ExtendedAttributeFlag(flags), context: ctx)
            fuse_reply_err(req, 0)
        }
    }
    ops.getxattr = { req, ino, name, size in
        answer(req, .getxattr) { session, ctx throws(Errno) in
            guard let name else { throw .invalidArgument }
            let value = try session.filesystem.getxattr(inode: Inode(fuse: ino), name: String(cString: name), context: ctx)
            try replySized(req, value, limit: size)
        }
    }
    ops.listxattr = { req, ino, size in
        answer(req, .listxattr) { session, ctx throws(Errno) in
            let names = try session.filesystem.listxattr(inode: Inode(fuse: ino), context: ctx)
            var packed: [UInt8] = []
            for name in names {
                packed += name.utf8
                packed.append(0)
            }
            try replySized(req, packed, limit: size)
        }
    }
    ops.removexattr = { req, ino, name in
        answer(req, .removexattr) { session, ctx throws(Errno) in
            guard let name else { throw .invalidArgument }
            try session.filesystem.removexattr(inode: Inode(fuse: ino), name: String(cString: name), context: ctx)
            fuse_reply_err(req, 0)
        }
    }
    return ops
}

// MARK: - Reply helpers

private func session(_ req: fuse_req_t?) -> SessionContext {
    Unmanaged<SessionContext>.fromOpaque(fuse_req_userdata(req)!).takeUnretainedValue()
}

/// Runs `body`; an `Errno` it throws becomes the reply.
private func answer(_ req: fuse_req_t?, _ operation: FuseOperation, _ body: (SessionContext, RequestContext) throws(Errno) -> Void) {
    guard let req else { return }
    let session = session(req)
    session.requests.record(operation)
    do throws(Errno) {
        try body(session, RequestContext(req))
    } catch {
        fuse_reply_err(req, error.rawValue)
    }
}

/// Like ``answer(_:_:)`` for requests that carry a name.
private func withName(
    _ req: fuse_req_t?, _ operation: FuseOperation, _ name: UnsafePointer<CChar>?,
    _ body: (SessionContext, RequestContext, FilePath.Component) throws(Errno) -> Void
) {
    answer(req, operation) { session, ctx throws(Errno) in
        guard let name, let component = FilePath.Component(platformString: name) else { throw .invalidArgument }
        try body(session, ctx, component)
    }
}

private func replyEntry(_ req: fuse_req_t?, _ entry: Entry) {
    var param = fuse_entry_param(entry)
    fuse_reply_entry(req, &param)
}

/// Size-probing replies (getxattr, listxattr): a zero limit asks for the size only.
private func replySized(_ req: fuse_req_t?, _ bytes: [UInt8], limit: Int) throws(Errno) {
    if limit == 0 {
        fuse_reply_xattr(req, bytes.count)
    } else if bytes.count > limit {
        throw .outOfRange
    } else {
        bytes.withUnsafeBytes { _ = fuse_reply_buf(req, $0.baseAddress?.assumingMemoryBound(to: CChar.self), $0.count) }
    }
}

/// Replies under two pages are copied, not spliced (libfuse splices from two pages on): read here into
/// the stack rather than into the buffer libfuse would allocate and free for each. A server that
/// answers thousands of small READs at once otherwise leaves its heap riddled with the holes of those
/// buffers between what it keeps.
private let smallReplyLimit = 2 * Int(getpagesize())

private func replyFromDescriptor(_ req: fuse_req_t?, descriptor: Int32, offset: Int64, count: Int) {
    if let ringBuffer = scorpio_fuse_ring_reply_buffer(count) {
        // Answered over io_uring: read straight into the ring entry, which is what the kernel copies from.
        replyRead(req, descriptor: descriptor, offset: offset, count: count, into: ringBuffer)
        return
    }
    if count < smallReplyLimit {
        withUnsafeTemporaryAllocation(byteCount: max(count, 1), alignment: 16) { buffer in
            replyRead(req, descriptor: descriptor, offset: offset, count: count, into: buffer.baseAddress!)
        }
        return
    }
    let flags = fuse_buf_flags(rawValue: FUSE_BUF_IS_FD.rawValue | FUSE_BUF_FD_SEEK.rawValue)
    var vector = fuse_bufvec(
        count: 1, idx: 0, off: 0,
        buf: (fuse_buf(size: count, flags: flags, mem: nil, fd: descriptor, pos: off_t(offset))))
    fuse_reply_data(req, &vector, FUSE_BUF_SPLICE_MOVE)
}

/// Reads `count` bytes at `offset` into `buffer` and replies with what was read (or the error).
private func replyRead(_ req: fuse_req_t?, descriptor: Int32, offset: Int64, count: Int, into buffer: UnsafeMutableRawPointer) {
    var read: Int
    repeat { read = pread(descriptor, buffer, count, off_t(offset)) } while read < 0 && errno == EINTR
    if read < 0 {
        fuse_reply_err(req, errno)
    } else {
        fuse_reply_buf(req, buffer.assumingMemoryBound(to: CChar.self), read)
    }
}

extension fuse_file_info {
    mutating func apply(_ reply: OpenReply) {
        fh = reply.handle
        direct_io = reply.directIO ? 1 : 0
        keep_cache = reply.keepCache ? 1 : 0
        nonseekable = reply.nonSeekable ? 1 : 0
        noflush = reply.noFlush ? 1 : 0
        cache_readdir = reply.cacheDirectory ? 1 : 0
    }
}
