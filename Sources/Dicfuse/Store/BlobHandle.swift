import Glibc
import SystemPackage

/// An open, read-only descriptor of a blob's bytes: in the content store (shared-locked, so garbage
/// collection leaves it alone while it is open) or a directory source's own file. Closed when released.
public final class BlobHandle: Sendable {
    public let descriptor: FileDescriptor
    public let size: UInt64

    init(descriptor: FileDescriptor, size: UInt64) {
        self.descriptor = descriptor
        self.size = size
    }

    deinit { try? descriptor.close() }

    /// The whole content (for small blobs such as symlink targets).
    public func readAll() throws(Errno) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeMutableBytes { pread(descriptor.rawValue, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw count == 0 ? Errno.ioError : Errno(rawValue: errno) }
            done += count
        }
        return bytes
    }
}
