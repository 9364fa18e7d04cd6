#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Linux calls that Swift's Glibc module does not import (they sit behind `_GNU_SOURCE` or in
/// `<sys/xattr.h>`), looked up in the C library at run time.
enum LinuxCalls {
    static let cloneNewNamespace: Int32 = 0x0002_0000  // CLONE_NEWNS
    static let cloneNewUser: Int32 = 0x1000_0000  // CLONE_NEWUSER

    private typealias UnshareFunction = @convention(c) (Int32) -> Int32
    private typealias SetXattrFunction = @convention(c) (
        UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32
    ) -> Int32

    /// `unshare(2)`.
    static func unshare(_ flags: Int32) throws(Errno) {
        let function: UnshareFunction = symbol("unshare")
        guard function(flags) == 0 else { throw Errno(rawValue: errno) }
    }

    /// `setxattr(2)` with a string value.
    static func setExtendedAttribute(_ name: String, to value: String, at path: FilePath) throws(Errno) {
        let function: SetXattrFunction = symbol("setxattr")
        let result = path.withPlatformString { pathPointer in
            value.withCString { valuePointer in
                function(pathPointer, name, valuePointer, strlen(valuePointer), 0)
            }
        }
        guard result == 0 else { throw Errno(rawValue: errno) }
    }

    private static func symbol<Function>(_ name: String) -> Function {
        // RTLD_DEFAULT is the null handle on glibc.
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
            preconditionFailure("the C library has no \(name)")
        }
        return unsafeBitCast(address, to: Function.self)
    }
}
