/// mknod, mkfifo and symlinks; truncate and ftruncate; open's O_TRUNC, O_APPEND, O_EXCL, O_CREAT,
/// O_DIRECTORY and O_NOFOLLOW; reads and writes at offsets.
enum FileCases {
    static var all: [ConformanceCase] {
        Caller.standard.flatMap { caller in
            Layer.allCases.flatMap { layer in
                nodes(layer, caller) + symlinks(layer, caller) + truncation(layer, caller) + openFlags(layer, caller) + data(layer, caller)
            }
        }
    }

    /// New nodes in a directory `p` of `layer`, and nodes the layer already holds.
    static func nodes(_ layer: Layer, _ caller: Caller) -> [ConformanceCase] {
        [
            ConformanceCase(
                "nodes/\(layer)/create", as: caller, entries: [.directory("p", in: layer), .file("p/f", in: layer)],
                [.mknod("p/r", "reg", 0o640), .mknod("p/q", "fifo", 0o600), .mkfifo("p/m", 0o666), .mknod("p/c", "chr", 0o644, device: (1, 3)),
                 .mknod("p/b", "blk", 0o600, device: (7, 0)), .mknod("p/s", "sock", 0o755), .mknod("p/w", "chr", 0o644, device: (0, 0)),
                 .mknod("p/f", "reg", 0o644), .mkfifo("p/f"), .readdir("p"), .open(1, "p/q", "RDONLY|NONBLOCK"), .fstat(1), .close(1)]),
            ConformanceCase(
                "nodes/\(layer)/in-layer", as: caller,
                entries: [.fifo("q", in: layer, mode: 0o640), .symlink("l", in: layer, to: "../target"), .directory("d", in: layer, mode: 0o750)],
                [.readdir(""), .readlink("l"), .open(1, "q", "RDONLY|NONBLOCK"), .fstat(1), .close(1), .chmod("q", 0o600), .rename("q", "q2"),
                 .unlink("q2")]),
        ]
    }

    static func symlinks(_ layer: Layer, _ caller: Caller) -> [ConformanceCase] {
        let longTarget = String(repeating: "t/", count: 2047) + "t"  // 4095 bytes
        return [
            ConformanceCase(
                "symlink/\(layer)/lifecycle", as: caller, entries: [.directory("p", in: layer), .directory("p/dir", in: layer)],
                [.symlink("target", "p/l"), .readlink("p/l"), .stat("p/l"), .open(1, "p/target", "CREAT|WRONLY"), .write(1, "t"), .close(1),
                 .stat("p/l"), .open(2, "p/l", "RDONLY|NOFOLLOW"), .open(3, "p/l", "RDONLY|NOFOLLOW|PATH"), .fstat(3), .close(3),
                 .symlink("dir", "p/ld"), .open(4, "p/ld", "RDONLY|DIRECTORY"), .close(4), .symlink("x", "p/l"), .readlink("p/target"),
                 .symlink(longTarget, "p/long"), .readlink("p/long"), .symlink(longTarget + "t", "p/toolong"), .symlink("", "p/empty"),
                 .unlink("p/l"), .readdir("p")]),
            ConformanceCase(
                "symlink/\(layer)/in-layer", as: caller,
                entries: [.file("f", in: layer, "via link"), .symlink("l", in: layer, to: "f"), .symlink("dangling", in: layer, to: "nowhere"),
                          .symlink("abs", in: layer, to: "/etc/hostname"), .symlink("loop", in: layer, to: "loop")],
                [.readlink("l"), .readlink("dangling"), .readlink("abs"), .stat("dangling"), .stat("loop"), .open(1, "l", "RDONLY"), .read(1),
                 .close(1), .open(2, "dangling", "CREAT|WRONLY"), .close(2), .stat("nowhere"), .lchown("l", -1, -1), .rename("l", "l2"),
                 .readlink("l2")]),
        ]
    }

    static func truncation(_ layer: Layer, _ caller: Caller) -> [ConformanceCase] {
        [
            ConformanceCase(
                "truncate/\(layer)/sizes", as: caller, entries: [.file("f", in: layer, "0123456789"), .directory("d", in: layer)],
                [.truncate("f", 4)] + Operation.readWhole("f") + [.truncate("f", 12)] + Operation.readWhole("f")
                    + [.truncate("f", 12), .truncate("f", -1), .truncate("d", 0), .truncate("missing", 0)]),
            ConformanceCase(
                "truncate/\(layer)/descriptors", as: caller, entries: [.file("f", in: layer, "0123456789"), .file("g", in: layer, "abc")],
                [.open(1, "f", "RDWR"), .ftruncate(1, 2), .fstat(1), .pread(1, 16, at: 0), .ftruncate(1, 0), .close(1),
                 .open(2, "g", "RDONLY"), .ftruncate(2, 1), .close(2)] + Operation.readWhole("g")),
            // truncate(2) and ftruncate(2) to the size a file with data has: both give it new times on
            // tmpfs and ext4, also while the file is open for writing.
            ConformanceCase(
                "truncate/\(layer)/same-size-while-open", as: caller, entries: [.file("f", in: layer, "0123456789")],
                [.open(1, "f", "RDWR"), .truncate("f", 10), .fstat(1), .ftruncate(1, 10), .fstat(1), .close(1), .truncate("f", 10)]),
            ConformanceCase(
                "truncate/\(layer)/read-only-file", as: caller, entries: [.file("f", in: layer, "0123", mode: 0o444)],
                [.truncate("f", 1), .open(1, "f", "WRONLY|TRUNC"), .open(2, "f", "RDONLY|TRUNC")] + Operation.readWhole("f")),
        ]
    }

    static func openFlags(_ layer: Layer, _ caller: Caller) -> [ConformanceCase] {
        let files: [LayerEntry] = [
            .file("f", in: layer, "content"), .directory("d", in: layer), .symlink("l", in: layer, to: "f"), .symlink("ld", in: layer, to: "d"),
            .symlink("dangling", in: layer, to: "target"), .file("w", in: .lowest, "hidden"),
        ] + (layer == .lowest ? [] : [LayerEntry.whiteout("w", in: layer)])
        return [
            ConformanceCase(
                "open/\(layer)/trunc", as: caller, entries: files,
                [.open(1, "f", "WRONLY|TRUNC"), .fstat(1), .close(1)] + Operation.readWhole("f") + [.open(2, "d", "RDONLY|TRUNC")]),
            ConformanceCase(
                "open/\(layer)/rdonly-trunc", as: caller, entries: files,
                [.open(1, "f", "RDONLY|TRUNC"), .fstat(1), .close(1)]),
            ConformanceCase(
                "open/\(layer)/append", as: caller, entries: files,
                [.open(1, "f", "WRONLY|APPEND"), .write(1, "+1"), .pwrite(1, "+2", at: 0), .fstat(1), .close(1)] + Operation.readWhole("f")),
            ConformanceCase(
                "open/\(layer)/excl", as: caller, entries: files,
                [.open(1, "f", "CREAT|EXCL|WRONLY"), .open(2, "new", "CREAT|EXCL|WRONLY"), .close(2), .open(3, "w", "CREAT|EXCL|RDWR"),
                 .read(3), .close(3), .open(4, "dangling", "CREAT|EXCL|WRONLY"), .open(5, "d", "CREAT|EXCL|RDONLY"), .open(6, "l", "CREAT|EXCL|WRONLY")]),
            ConformanceCase(
                "open/\(layer)/creat", as: caller, entries: files,
                [.open(1, "f", "CREAT|WRONLY", mode: 0o600), .fstat(1), .close(1), .open(2, "dangling", "CREAT|WRONLY"), .close(2), .stat("target"),
                 .open(3, "d", "CREAT|RDONLY"), .open(4, "w", "CREAT|RDONLY"), .read(4), .close(4), .open(5, "nodir/x", "CREAT|WRONLY"),
                 .open(6, "f/x", "CREAT|WRONLY")]),
            ConformanceCase(
                "open/\(layer)/directory", as: caller, entries: files,
                [.open(1, "f", "RDONLY|DIRECTORY"), .open(2, "d", "RDONLY|DIRECTORY"), .close(2), .open(3, "ld", "RDONLY|DIRECTORY"), .close(3),
                 .open(4, "new", "CREAT|DIRECTORY|RDONLY"), .open(5, "d", "WRONLY"), .open(6, "d", "RDWR"), .open(7, "f/", "RDONLY"),
                 .open(8, "d/", "RDONLY"), .close(8)]),
            ConformanceCase(
                "open/\(layer)/nofollow", as: caller, entries: files,
                [.open(1, "l", "RDONLY|NOFOLLOW"), .open(2, "f", "RDONLY|NOFOLLOW"), .close(2), .open(3, "l", "PATH|NOFOLLOW"), .fstat(3),
                 .close(3), .open(4, "ld", "RDONLY|DIRECTORY|NOFOLLOW"), .open(5, "dangling", "CREAT|WRONLY|NOFOLLOW")]),
        ]
    }

    static func data(_ layer: Layer, _ caller: Caller) -> [ConformanceCase] {
        [
            ConformanceCase(
                "data/\(layer)/offsets", as: caller, entries: [.file("f", in: layer, "data")],
                [.open(1, "f", "RDWR"), .read(1, 2), .write(1, "XY"), .read(1), .pwrite(1, "Z", at: 10), .fstat(1), .pread(1, 32, at: 0),
                 .pread(1, 4, at: 100), .close(1)] + Operation.readWhole("f")),
            ConformanceCase(
                "data/\(layer)/read-only-descriptor", as: caller, entries: [.file("f", in: layer, "data")],
                [.open(1, "f", "RDONLY"), .write(1, "no"), .close(1), .open(2, "f", "WRONLY"), .read(2), .close(2)]),
        ]
    }
}
