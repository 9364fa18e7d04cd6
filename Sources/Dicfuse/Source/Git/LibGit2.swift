import CGit2

/// libgit2's process-wide set-up, done once before any other call (by every module that calls libgit2).
package enum LibGit2 {
    private static let initialized: Bool = {
        git_libgit2_init()
        // By default libgit2 hashes every object it reads to compare it with its id; git itself does
        // not (`git fsck` does). Each blob's copy in the content store is checked against its id
        // anyway (`GitBlobHash`), so a blob read from git was hashed twice; zlib's checksum of every
        // stored object, trees and commits included, still catches a corrupt pack.
        _ = scorpio_git_set_integer_option(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0)
        return true
    }()

    package static func ensureInitialized() { _ = initialized }

    /// For a process whose dictionaries keep every directory they list (a base's server, a daemon's
    /// fuse views): libgit2 would keep each tree it read in its object cache as well (up to 256 MiB by
    /// default), and a dictionary reads no tree twice.
    package static func stopCachingObjects() {
        ensureInitialized()
        _ = scorpio_git_set_integer_option(GIT_OPT_ENABLE_CACHING, 0)
    }

    /// The message of the last libgit2 error on this thread.
    package static var lastErrorMessage: String {
        guard let error = git_error_last(), let message = error.pointee.message else { return "unknown libgit2 error" }
        return String(cString: message)
    }
}

extension ObjectID {
    init(_ oid: git_oid) {
        self.init(bytes: withUnsafeBytes(of: oid.id) { Array($0) })
    }

    /// The git_oid of a 20-byte (SHA-1) id.
    var gitOID: git_oid? {
        guard bytes.count == 20 else { return nil }
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { $0.copyBytes(from: bytes) }
        return oid
    }
}
