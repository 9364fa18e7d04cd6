import CGit2

/// libgit2's process-wide set-up, done once before any other call.
enum LibGit2 {
    private static let initialized: Bool = {
        git_libgit2_init()
        return true
    }()

    static func ensureInitialized() { _ = initialized }

    /// The message of the last libgit2 error on this thread.
    static var lastErrorMessage: String {
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
