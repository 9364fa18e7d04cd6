import CSyscalls
import FuseKit
import Glibc
import SystemPackage

/// Extended attributes on real paths, without following symlinks.
enum XattrCalls {
    static func list(_ path: String) throws(Errno) -> [String] {
        let size = llistxattr(path, nil, 0)
        guard size >= 0 else { throw Errno(rawValue: errno) }
        guard size > 0 else { return [] }
        var buffer = [CChar](repeating: 0, count: size)
        let count = llistxattr(path, &buffer, buffer.count)
        guard count >= 0 else { throw Errno(rawValue: errno) }
        return buffer[..<count].split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    static func get(_ path: String, _ name: String) throws(Errno) -> [UInt8] {
        let size = lgetxattr(path, name, nil, 0)
        guard size >= 0 else { throw Errno(rawValue: errno) }
        var buffer = [UInt8](repeating: 0, count: size)
        let count = buffer.withUnsafeMutableBytes { lgetxattr(path, name, $0.baseAddress, $0.count) }
        guard count >= 0 else { throw Errno(rawValue: errno) }
        return Array(buffer[..<count])
    }

    static func set(_ path: String, _ name: String, _ value: [UInt8], flags: Int32) throws(Errno) {
        let result = value.withUnsafeBytes { lsetxattr(path, name, $0.baseAddress, $0.count, flags) }
        try Posix.check(result)
    }

    static func set(_ path: String, _ name: String, _ value: UnsafeRawBufferPointer, flags: Int32) throws(Errno) {
        try Posix.check(lsetxattr(path, name, value.baseAddress, value.count, flags))
    }

    static func remove(_ path: String, _ name: String) throws(Errno) {
        try Posix.check(lremovexattr(path, name))
    }
}

/// Extended attributes through the union: read from the topmost layer, changed after copy-up. Names in
/// the overlay namespace the layers use are escaped as overlayfs escapes them (see
/// ``OverlayFormat/storedName(_:)``), so the union's own markers are neither shown nor settable.
extension UnionFilesystem {
    private func layerEntry(of inode: Inode) throws(Errno) -> RealEntry {
        try namespaceLock.reading { () throws(Errno) -> EntryLocation in try self.location(of: inode) }.entry
    }

    func getxattr(inode: Inode, name: String, context: RequestContext) throws(Errno) -> [UInt8] {
        let entry = try layerEntry(of: inode)
        return try entry.directory.xattr(entry.path, layers.format.storedName(name))
    }

    func listxattr(inode: Inode, context: RequestContext) throws(Errno) -> [String] {
        let entry = try layerEntry(of: inode)
        return try entry.directory.xattrNames(entry.path).compactMap(layers.format.shownName)
    }

    func setxattr(inode: Inode, name: String, value: UnsafeRawBufferPointer, flag: ExtendedAttributeFlag, context: RequestContext) throws(Errno) {
        let flags: Int32 = switch flag {
        case .createOrReplace: 0
        case .create: 1
        case .replace: 2
        }
        try namespaceLock.writing { () throws(Errno) in
            let entry = try copyUp(inode)
            try entry.directory.setXattr(entry.path, layers.format.storedName(name), value, flags: flags)
        }
    }

    func removexattr(inode: Inode, name: String, context: RequestContext) throws(Errno) {
        let stored = layers.format.storedName(name)
        try namespaceLock.writing { () throws(Errno) in
            // A name the lower entry does not have is not worth a copy-up (as in kernel overlayfs).
            let location = try location(of: inode)
            if !location.isWritable { _ = try location.entry.directory.xattr(location.entry.path, stored) }
            let entry = try copyUp(inode)
            try entry.directory.removeXattr(entry.path, stored)
        }
    }
}
