/// Extended attributes: user.* set, get, list and remove on files and directories of every layer
/// (copy-up keeps them), the create/replace flags, who may set them, and overlayfs's own names
/// (trusted.overlay.*) never showing through the union.
enum XattrCases {
    static let user = Caller.user.identity

    static var all: [ConformanceCase] {
        Caller.standard.flatMap { caller in Layer.allCases.flatMap { userNamespace($0, caller) } + internalNames(caller) }
            + Layer.allCases.flatMap(permissions)
    }

    static func userNamespace(_ layer: Layer, _ caller: Caller) -> [ConformanceCase] {
        let marked: [(name: String, value: String)] = [("user.color", "red"), ("user.empty", "")]
        return [
            ConformanceCase(
                "xattr/\(layer)/file", as: caller, entries: [.file("f", in: layer, xattrs: marked)],
                [.listxattr("f"), .getxattr("f", "user.color"), .getxattr("f", "user.empty"), .getxattr("f", "user.none"),
                 .setxattr("f", "user.size", "big"), .getxattr("f", "user.size"), .listxattr("f"), .removexattr("f", "user.color"),
                 .getxattr("f", "user.color"), .removexattr("f", "user.color"), .setxattr("f", "user.size", "x", "create"),
                 .setxattr("f", "user.new", "x", "replace"), .setxattr("f", "user.size", "small", "replace"), .listxattr("f"),
                 .getxattr("f", "user.size")]),
            ConformanceCase(
                "xattr/\(layer)/directory", as: caller, entries: [.directory("d", in: layer, xattrs: marked), .file("d/x", in: layer)],
                [.listxattr("d"), .getxattr("d", "user.color"), .setxattr("d", "user.more", "1"), .listxattr("d"), .rename("d", "e"),
                 .listxattr("e"), .getxattr("e", "user.more")]),
            // Copy-up by a metadata change keeps the layer's xattrs.
            ConformanceCase(
                "xattr/\(layer)/copy-up", as: caller, entries: [.file("f", in: layer, xattrs: marked)],
                [.chmod("f", 0o600), .listxattr("f"), .getxattr("f", "user.color"), .open(1, "f", "WRONLY|APPEND"), .write(1, "+"), .close(1),
                 .listxattr("f")]),
            ConformanceCase(
                "xattr/\(layer)/special-files", as: caller,
                entries: [.symlink("l", in: layer, to: "f"), .file("f", in: layer), .fifo("q", in: layer)],
                [.setxattr("l", "user.a", "1"), .getxattr("f", "user.a"), .setxattr("q", "user.a", "1"), .listxattr("q"),
                 .setxattr("f", "trusted.mine", "1"), .getxattr("f", "trusted.mine"), .listxattr("f"),
                 .setxattr("f", "user.overlay.mine", "1"), .getxattr("f", "user.overlay.mine"), .listxattr("f"),
                 .getxattr("f", "security.nothing")]),
        ]
    }

    /// Opaque directories (in the upper and middle layers) and a renamed lower directory (which
    /// overlayfs records with a redirect): none of overlayfs's xattrs show.
    static func internalNames(_ caller: Caller) -> [ConformanceCase] {
        [
            ConformanceCase(
                "xattr/overlay-names", as: caller,
                entries: [
                    .directory("o", in: .lowest), .file("o/hidden", in: .lowest), .directory("o", in: .upper, opaque: true),
                    .directory("m", in: .lowest), .file("m/hidden", in: .lowest), .directory("m", in: .middle, opaque: true),
                    .directory("r", in: .lowest), .file("r/in", in: .lowest), .file("f", in: .lowest),
                ],
                [.readdir("o"), .listxattr("o"), .getxattr("o", "trusted.overlay.opaque"), .readdir("m"), .listxattr("m"),
                 .getxattr("m", "trusted.overlay.opaque"), .rename("r", "moved"), .listxattr("moved"), .getxattr("moved", "trusted.overlay.redirect"),
                 .rmdir("o"), .mkdir("o"), .listxattr("o"), .setxattr("f", "trusted.overlay.opaque", "y"), .listxattr("f"),
                 .setxattr("moved", "trusted.overlay.redirect", "/f"), .readdir("moved"), .removexattr("o", "trusted.overlay.opaque"),
                 .listxattr("")]),
        ]
    }

    /// Setting a user.* xattr needs write permission (and, in a sticky directory, ownership).
    static func permissions(_ layer: Layer) -> [ConformanceCase] {
        [
            ConformanceCase(
                "xattr/\(layer)/permissions", as: .other,
                entries: [
                    .file("ro", in: layer, mode: 0o644, owner: user, xattrs: [("user.k", "v")]), .file("rw", in: layer, mode: 0o666, owner: user),
                    .file("none", in: layer, mode: 0o600, owner: user, xattrs: [("user.k", "v")]),
                    .directory("t", in: layer, mode: 0o1777, owner: user), .directory("t/sub", in: layer, mode: 0o777, owner: user),
                ],
                owner: user,
                [.getxattr("ro", "user.k"), .setxattr("ro", "user.k", "w"), .setxattr("rw", "user.k", "w"), .getxattr("rw", "user.k"),
                 .getxattr("none", "user.k"), .listxattr("none"), .removexattr("ro", "user.k"), .setxattr("t/sub", "user.k", "w")]),
        ]
    }
}
