import SystemPackage

extension FilePath {
    /// The whole file, read through a plain file descriptor.
    public func readContents() throws(Errno) -> [UInt8] {
        do {
            let descriptor = try FileDescriptor.open(self, .readOnly, options: .closeOnExec)
            return try descriptor.closeAfter {
                var contents: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 64 * 1024)
                while true {
                    let count = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0) }
                    if count == 0 { return contents }
                    contents.append(contentsOf: chunk[..<count])
                }
            }
        } catch let errno as Errno {
            throw errno
        } catch {
            throw Errno.ioError
        }
    }
}
