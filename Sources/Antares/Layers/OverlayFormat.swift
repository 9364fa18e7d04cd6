import CSyscalls
import Glibc
import SystemPackage

/// Kernel overlayfs's on-disk format for upper (and change-list) layers, which both union drivers read
/// and write, so an upper directory written by one can be mounted by the other, by kernel overlayfs or by
/// fuse-overlayfs:
/// - a whiteout (a deleted lower entry) is a character device 0/0;
/// - an opaque directory (hides everything below it) carries `<ns>.overlay.opaque = "y"`;
/// - a directory renamed away from its lower origin carries `<ns>.overlay.redirect = "/old/path"`
///   (absolute from the root) or `"name"` (same parent), as with `redirect_dir=on`.
/// `<ns>` is `trusted` where the process may set trusted xattrs (root) and `user` otherwise, as
/// overlayfs's `userxattr` option expects.
public struct OverlayFormat: Sendable, Equatable {
    public let namespace: String

    public static let trusted = OverlayFormat(namespace: "trusted")
    public static let user = OverlayFormat(namespace: "user")

    public var opaqueName: String { "\(namespace).overlay.opaque" }
    public var redirectName: String { "\(namespace).overlay.redirect" }
    /// Prefix of every overlay xattr of this namespace (hidden from users of a union).
    public var internalPrefix: String { "\(namespace).overlay." }

    /// The format the upper directory `path` can hold: trusted xattrs where they can be set there. The
    /// probe is set on the directory itself and removed, not on a file made for it: a new inode costs up
    /// to a millisecond on an ext4 without a journal soon after many deletions.
    public static func detect(for path: FilePath) -> OverlayFormat {
        let probe = "trusted.overlay.scorpio-probe"
        if lsetxattr(path.string, probe, "y", 1, 0) == 0 {
            lremovexattr(path.string, probe)
            return .trusted
        }
        switch errno {
        case EPERM, EOPNOTSUPP: return .user
        default: return geteuid() == 0 ? .trusted : .user  // nothing there yet, or not writable
        }
    }

    // MARK: - Reading

    public static func isWhiteout(_ st: stat) -> Bool {
        st.st_mode & S_IFMT == S_IFCHR && st.st_rdev == 0
    }

    public func isOpaque(_ directory: FilePath) -> Bool {
        value(of: opaqueName, at: directory) == "y"
    }

    /// The redirect of a renamed directory, if it has one.
    public func redirect(of directory: FilePath) -> String? {
        value(of: redirectName, at: directory)
    }

    /// Whether an xattr name belongs to overlayfs (of either namespace) and must not show through a union.
    public static func isInternal(_ name: String) -> Bool {
        name.hasPrefix("trusted.overlay.") || name.hasPrefix("user.overlay.")
    }

    /// Where an xattr a user sets through a union is kept in a layer: a name in this format's overlay
    /// namespace is escaped (`trusted.overlay.x` → `trusted.overlay.overlay.x`), as overlayfs does, so
    /// it can never be taken for one of the union's own markers.
    public func storedName(_ name: String) -> String {
        name.hasPrefix(internalPrefix) ? internalPrefix + "overlay." + name.dropFirst(internalPrefix.count) : name
    }

    /// The name a user sees for an xattr kept in a layer under `stored`; nil for the union's own markers.
    public func shownName(_ stored: String) -> String? {
        guard stored.hasPrefix(internalPrefix) else { return stored }
        let escape = internalPrefix + "overlay."
        return stored.hasPrefix(escape) ? internalPrefix + stored.dropFirst(escape.count) : nil
    }

    // MARK: - Writing

    /// Creates a whiteout at `path`, replacing nothing (the caller removed what was there).
    public static func makeWhiteout(at path: FilePath) throws(Errno) {
        guard mknod(path.string, S_IFCHR | 0o000, 0) == 0 else { throw Errno(rawValue: errno) }
    }

    public func setOpaque(_ directory: FilePath) throws(Errno) {
        try set(opaqueName, "y", at: directory)
    }

    public func setRedirect(_ directory: FilePath, to origin: String) throws(Errno) {
        try set(redirectName, origin, at: directory)
    }

    private func set(_ name: String, _ text: String, at path: FilePath) throws(Errno) {
        guard lsetxattr(path.string, name, text, text.utf8.count, 0) == 0 else { throw Errno(rawValue: errno) }
    }

    private func value(of name: String, at path: FilePath) -> String? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX))
        let count = buffer.withUnsafeMutableBytes { lgetxattr(path.string, name, $0.baseAddress, $0.count) }
        return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
    }
}
