#if canImport(Glibc)
import Glibc
#endif

/// A NULL-terminated array of C strings (argv, envp) owned until deinit.
final class CStringArray {
    private var storage: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        storage = strings.map { strdup($0) } + [nil]
    }

    deinit { storage.forEach { free($0) } }

    /// The array, as C's `const char *const *`; valid while `self` lives.
    func withPointer<Result>(_ body: (UnsafePointer<UnsafePointer<CChar>?>) throws -> Result) rethrows -> Result {
        try storage.withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { try body($0.baseAddress!) }
        }
    }
}
