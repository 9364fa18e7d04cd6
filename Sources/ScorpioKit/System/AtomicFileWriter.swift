#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Writes a file so that readers see either the old contents or the new, never a half-written file:
/// a temporary file in the same directory, fsync, rename. A file whose contents a reboot makes moot
/// anyway (what is mounted) is written without the fsync (`durable: false`), which costs a disk flush.
package enum AtomicFileWriter {
    package static func write(
        _ bytes: [UInt8], to path: FilePath, permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead], durable: Bool = true
    ) throws(Errno) {
        let directory = path.removingLastComponent()
        let temporary = (directory.isEmpty ? "." : directory).appending(".\(path.lastComponent?.string ?? "file").\(getpid()).tmp")
        do {
            let descriptor = try FileDescriptor.open(temporary, .writeOnly, options: [.create, .exclusiveCreate, .closeOnExec],
                                                     permissions: permissions)
            try descriptor.closeAfter {
                _ = try descriptor.writeAll(bytes)
                guard !durable || fsync(descriptor.rawValue) == 0 else { throw Errno(rawValue: errno) }
            }
            guard rename(temporary.string, path.string) == 0 else { throw Errno(rawValue: errno) }
        } catch {
            _ = unlink(temporary.string)
            throw (error as? Errno) ?? .ioError
        }
    }

    /// `mkdir -p`.
    package static func createDirectories(_ path: FilePath) throws(Errno) {
        if path.isEmpty || FileStatus(path: path)?.isDirectory == true { return }
        let parent = path.removingLastComponent()
        if parent != path && !parent.isEmpty { try createDirectories(parent) }
        guard mkdir(path.string, 0o755) == 0 || errno == EEXIST else { throw Errno(rawValue: errno) }
    }
}
