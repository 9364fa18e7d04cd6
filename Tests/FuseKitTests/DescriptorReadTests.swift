import FuseKit
import Glibc
import SystemPackage
import Testing
import ScorpioTestSupport

/// A read-only filesystem of one file whose reads are answered from a host file descriptor.
final class OneFileFilesystem: FuseFilesystem {
    let descriptor: Int32
    let size: UInt64
    static let fileInode = Inode(rawValue: 2)

    init(serving path: FilePath) throws {
        descriptor = path.withPlatformString { Glibc.open($0, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else { throw Errno(rawValue: errno) }
        var st = stat()
        fstat(descriptor, &st)
        size = UInt64(st.st_size)
    }

    deinit { close(descriptor) }

    private func attributes(_ inode: Inode) -> FileAttributes {
        inode == .root
            ? FileAttributes(inode: .root, mode: S_IFDIR | 0o555, linkCount: 2)
            : FileAttributes(inode: Self.fileInode, mode: S_IFREG | 0o444, size: size)
    }

    func lookup(parent: Inode, name: FilePath.Component, context: RequestContext) throws(Errno) -> Entry {
        guard parent == .root, name == "data.bin" else { throw .noSuchFileOrDirectory }
        return Entry(attributes: attributes(Self.fileInode))
    }

    func getattr(inode: Inode, handle: UInt64?, context: RequestContext) throws(Errno) -> AttributesReply {
        AttributesReply(attributes(inode))
    }

    func read(inode: Inode, handle: UInt64, offset: Int64, size: Int, context: RequestContext) throws(Errno) -> ReadReply {
        .file(descriptor: descriptor, offset: offset, count: size)
    }
}

@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct DescriptorReadTests {
    @Test(arguments: [true, false])
    func readsServedFromADescriptorMatchTheSource(splice: Bool) throws {
        try withTemporaryDirectory { dir in
            let source = dir.appending("source.bin")
            let bytes = (0..<(5 << 20) + 123).map { UInt8(truncatingIfNeeded: $0 ^ ($0 >> 9)) }
            try writeFile(source, bytes)
            var options = MountOptions(fsName: "onefile", subtype: "fusekit-test")
            options.readOnly = true
            options.spliceRead = splice
            let mountpoint = dir.appending("mnt")
            #expect(mkdir(mountpoint.string, 0o755) == 0)
            let mount = try FuseMount(try OneFileFilesystem(serving: source), at: mountpoint, options: options)
            defer { try? mount.unmount(lazy: true) }
            // No open handler: the kernel learns ENOSYS once and reads without opens.
            #expect(try readFile(mountpoint.appending("data.bin")) == bytes)
            #expect(try readFile(mountpoint.appending("data.bin")) == bytes)
            #expect(errnoOf(Glibc.open(mountpoint.appending("data.bin").string, O_WRONLY)) != nil)
        }
    }
}
