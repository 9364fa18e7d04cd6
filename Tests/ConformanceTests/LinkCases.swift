/// Hard links (link, rename of one link, unlink of one link, nlink, shared st_ino) and files used
/// through a descriptor after their name is gone or moved.
enum LinkCases {
    static var all: [ConformanceCase] {
        Caller.standard.flatMap { caller in Layer.allCases.flatMap { layer in links(layer, caller) + openFiles(layer, caller) } }
    }

    static func links(_ layer: Layer, _ caller: Caller) -> [ConformanceCase] {
        [
            ConformanceCase(
                "links/\(layer)/lifecycle", as: caller, entries: [.file("f", in: layer, "one")],
                [.link("f", "g"), .open(1, "g", "WRONLY|APPEND"), .write(1, "+two"), .close(1)] + Operation.readWhole("f")
                    + [.unlink("f"), .link("g", "h"), .rename("g", "h"), .rename("h", "i"), .rename("i", "f", .noreplace),
                       .rename("g", "f", .exchange), .unlink("g")] + Operation.readWhole("f")),
            ConformanceCase(
                "links/\(layer)/refused", as: caller,
                entries: [.file("f", in: layer), .file("e", in: layer), .directory("d", in: layer), .symlink("l", in: layer, to: "f")],
                [.link("d", "d2"), .link("f", "e"), .link("missing", "x"), .link("f", "d"), .link("f", "d/"), .link("l", "l2"), .readlink("l2")]),
            // A whited-out lower name can take a new link; the link shows the file, not the hidden entry.
            ConformanceCase(
                "links/\(layer)/over-whiteout", as: caller,
                entries: [.file("f", in: layer, "new"), .file("w", in: .lowest, "hidden"), .whiteout("w", in: layer == .lowest ? .upper : layer)],
                [.link("f", "w")] + Operation.readWhole("w") + [.readdir("")]),
            // Two names for one inode already in the layer.
            ConformanceCase(
                "links/\(layer)/in-layer", as: caller,
                entries: [.file("f", in: layer, "pair"), .hardlink("f2", in: layer, to: "f")],
                [.open(1, "f", "WRONLY|APPEND"), .write(1, "+"), .close(1)] + Operation.readWhole("f2") + [.unlink("f2"), .link("f", "f3")]),
        ]
    }

    static func openFiles(_ layer: Layer, _ caller: Caller) -> [ConformanceCase] {
        [
            ConformanceCase(
                "open-unlink/\(layer)/read-write", as: caller, entries: [.file("f", in: layer, "content")],
                [.open(1, "f", "RDWR"), .unlink("f"), .fstat(1), .write(1, "more"), .pread(1, 32, at: 0), .ftruncate(1, 3), .fstat(1),
                 .fchmod(1, 0o600), .fstat(1), .close(1), .open(2, "f", "CREAT|RDWR"), .fstat(2)]),
            ConformanceCase(
                "open-unlink/\(layer)/read-only", as: caller, entries: [.file("f", in: layer, "content")],
                [.open(1, "f", "RDONLY"), .unlink("f"), .fstat(1), .read(1), .close(1), .readdir("")]),
            ConformanceCase(
                "open-unlink/\(layer)/recreate", as: caller, entries: [.file("f", in: layer, "old")],
                [.open(1, "f", "RDWR"), .unlink("f"), .open(2, "f", "CREAT|EXCL|RDWR"), .write(2, "new"), .pread(1, 16, at: 0), .fstat(1),
                 .fstat(2), .close(1), .close(2)] + Operation.readWhole("f")),
            ConformanceCase(
                "open-unlink/\(layer)/rename", as: caller, entries: [.file("f", in: layer, "moving")],
                [.open(1, "f", "RDWR"), .rename("f", "g"), .fstat(1), .write(1, "M"), .close(1)] + Operation.readWhole("g")),
            ConformanceCase(
                "open-unlink/\(layer)/directory", as: caller, entries: [.directory("d", in: layer)],
                [.open(1, "d", "RDONLY|DIRECTORY"), .rmdir("d"), .fstat(1), .open(2, .at(slot: 1, "x"), "CREAT|WRONLY"), .close(1)]),
            // Two descriptors on one file: what one writes, the other reads.
            ConformanceCase(
                "two-descriptors/\(layer)", as: caller, entries: [.file("f", in: layer, "abcdef")],
                [.open(1, "f", "RDONLY"), .open(2, "f", "RDWR"), .pwrite(2, "XY", at: 1), .pread(1, 16, at: 0), .fstat(1), .fstat(2),
                 .open(3, "f", "RDONLY"), .pread(3, 16, at: 0), .close(1), .close(2), .close(3)]),
        ]
    }
}
