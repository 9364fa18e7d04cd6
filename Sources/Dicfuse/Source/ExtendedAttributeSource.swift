import CSyscalls
import Glibc
import SystemPackage

/// A tree source whose entries carry extended attributes (a plain directory does; git stores none, and
/// a base of such a source answers xattr requests with ENOSYS, which the kernel then stops sending).
public protocol ExtendedAttributeSource: TreeSource {
    /// The names of the xattrs of the entry at `path` (relative to the served root).
    func extendedAttributeNames(at path: FilePath) throws(Errno) -> [String]
    /// One xattr's value.
    func extendedAttribute(_ name: String, at path: FilePath) throws(Errno) -> [UInt8]
}

extension DirectoryTreeSource: ExtendedAttributeSource {
    public func extendedAttributeNames(at path: FilePath) throws(Errno) -> [String] {
        let real = rootPath.pushing(path).string
        let size = llistxattr(real, nil, 0)
        guard size >= 0 else { throw Errno(rawValue: errno) }
        guard size > 0 else { return [] }
        var buffer = [CChar](repeating: 0, count: size)
        let count = llistxattr(real, &buffer, buffer.count)
        guard count >= 0 else { throw Errno(rawValue: errno) }
        return buffer[..<count].split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    public func extendedAttribute(_ name: String, at path: FilePath) throws(Errno) -> [UInt8] {
        let real = rootPath.pushing(path).string
        let size = lgetxattr(real, name, nil, 0)
        guard size >= 0 else { throw Errno(rawValue: errno) }
        var buffer = [UInt8](repeating: 0, count: size)
        let count = buffer.withUnsafeMutableBytes { lgetxattr(real, name, $0.baseAddress, $0.count) }
        guard count >= 0 else { throw Errno(rawValue: errno) }
        return Array(buffer[..<count])
    }
}
