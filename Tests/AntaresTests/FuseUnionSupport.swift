import Antares
import CSyscalls
import Dicfuse
import FuseKit
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// The shared union fixture with the fuse driver, for the driver's own tests.
typealias FuseUnionMount = UnionFixture

extension UnionFixture {
    convenience init(changeList: ((FilePath) throws -> Void)? = nil) throws {
        try self.init(driver: .fuse, changeList: changeList)
    }

    /// An xattr of an upper-layer entry, as text.
    func upperXattr(_ relative: String, _ name: String) -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { lgetxattr(upper.appending(relative).string, name, $0.baseAddress, $0.count) }
        return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
    }

    var overlayNamespace: String { OverlayFormat.detect(for: upper).namespace }
}

/// `renameat2(2)` inside the union; returns 0 or the errno.
func renameInUnion(_ union: FuseUnionMount, _ from: String, _ to: String, flags: UInt32) -> Int32 {
    renameat2(AT_FDCWD, union.path(from), AT_FDCWD, union.path(to), flags) == 0 ? 0 : errno
}
