import Glibc
import SystemPackage

extension FilePath {
    /// The whole file, read through a plain file descriptor into one buffer of the size `fstat` gives
    /// (grown for files that say 0, as `/proc`'s do, or that grow meanwhile).
    public func readContents() throws(Errno) -> [UInt8] {
        let descriptor = Glibc.open(string, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Errno(rawValue: errno) }
        defer { Glibc.close(descriptor) }
        var status = Glibc.stat()
        guard Glibc.fstat(descriptor, &status) == 0 else { throw Errno(rawValue: errno) }
        // One byte past the size, so the read that finds the end needs no larger buffer.
        var contents = [UInt8](repeating: 0, count: status.st_size > 0 ? Int(status.st_size) + 1 : 4096)
        var filled = try Posix.read(descriptor, into: &contents)
        while filled == contents.count {
            contents.append(contentsOf: repeatElement(UInt8(0), count: contents.count))
            filled = try Posix.read(descriptor, into: &contents, from: filled)
        }
        contents.removeLast(contents.count - filled)
        return contents
    }
}
