/// Name and path lengths: a 256-byte name draws ENAMETOOLONG from every call that takes a name, 255
/// bytes work; a path of ~4,000 characters built one directory at a time through descriptors, and one
/// deeper than PATH_MAX reached only through descriptors.
enum NameCases {
    static let tooLong = String(repeating: "n", count: 256)
    static let longest = String(repeating: "m", count: 255)

    static var all: [ConformanceCase] {
        Caller.standard.flatMap { caller in
            [Layer.lowest, .upper].flatMap { layer in tooLongCases(layer, caller) } + longestCases(caller) + deepCases(caller)
        }
    }

    /// One case per call, in a directory `p` placed in `layer` that holds a file `f` and a dir `e`.
    static func tooLongCases(_ layer: Layer, _ caller: Caller) -> [ConformanceCase] {
        let long = ScriptPath.inCase("p/\(tooLong)")
        let calls: [(String, [Operation])] = [
            ("open", [.open(1, long, "RDONLY")]),
            ("open-creat", [.open(1, long, "CREAT|WRONLY")]),
            ("mkdir", [.mkdir(long)]),
            ("rmdir", [.rmdir(long)]),
            ("unlink", [.unlink(long)]),
            ("link-new", [.link("p/f", long)]),
            ("link-old", [.link(long, "p/g")]),
            ("symlink", [.symlink("f", long)]),
            ("symlink-target", [.symlink(tooLong, "p/s"), .readlink("p/s"), .stat("p/s")]),
            ("rename-new", [.rename("p/f", long)]),
            ("rename-old", [.rename(long, "p/g")]),
            ("rename-noreplace", [.rename("p/f", long, .noreplace)]),
            ("rename-exchange", [.rename("p/f", long, .exchange)]),
            ("mknod", [.mknod(long, "reg", 0o644)]),
            ("mkfifo", [.mkfifo(long)]),
            ("stat", [.stat(long)]),
            ("lstat", [.lstat(long)]),
            ("access", [.access(long, "f")]),
            ("chmod", [.chmod(long, 0o600)]),
            ("chown", [.chown(long, -1, -1)]),
            ("utimens", [.utimens(long, nil, nil)]),
            ("truncate", [.truncate(long, 0)]),
            ("setxattr", [.setxattr(long, "user.a", "1")]),
            ("getxattr", [.getxattr(long, "user.a")]),
            ("listxattr", [.listxattr(long)]),
            ("removexattr", [.removexattr(long, "user.a")]),
            ("readlink", [.readlink(long)]),
            ("readdir", [.readdir(long)]),
            ("below", [.stat(.inCase("p/\(tooLong)/x")), .open(1, .inCase("p/e/\(tooLong)"), "CREAT|WRONLY")]),
            ("at-descriptor", [.open(1, "p", "RDONLY|DIRECTORY"), .mkdir(.at(slot: 1, tooLong)), .open(2, .at(slot: 1, tooLong), "CREAT|WRONLY")]),
        ]
        return calls.map { name, operations in
            ConformanceCase(
                "names/256/\(layer)/\(name)", as: caller,
                entries: [.directory("p", in: layer), .file("p/f", in: layer), .directory("p/e", in: layer)], operations)
        }
    }

    static func longestCases(_ caller: Caller) -> [ConformanceCase] {
        let other = String(repeating: "o", count: 255)
        return [
            ConformanceCase(
                "names/255/lifecycle", as: caller,
                [.open(1, .inCase(longest), "CREAT|WRONLY"), .write(1, "x"), .close(1), .readdir(""), .link(.inCase(longest), .inCase(other)),
                 .rename(.inCase(longest), "short"), .rename("short", .inCase(longest), .noreplace), .unlink(.inCase(other)),
                 .mkdir(.inCase("d\(longest.dropFirst())")), .symlink(longest, "s"), .stat("s"), .readdir(""),
                 .rmdir(.inCase("d\(longest.dropFirst())")), .unlink(.inCase(longest))]),
            ConformanceCase(
                "names/255/in-layers", as: caller,
                entries: [.file(longest, in: .lowest, "low"), .file(other, in: .middle, "mid"), .directory("d", in: .lowest),
                          .file("d/\(longest)", in: .lowest, "deep")],
                [.readdir(""), .readdir("d")] + Operation.readWhole(.inCase(longest)) + Operation.readWhole(.inCase(other))
                    + [.open(1, .inCase("d/\(longest)"), "RDWR|APPEND"), .write(1, "+"), .close(1), .unlink(.inCase(other)), .readdir("")]),
            ConformanceCase(
                "names/path-max", as: caller, watchesWhatItNames: false,
                [.stat(.inCase(String(repeating: "./", count: 2100) + "x")), .mkdir(.inCase(String(repeating: "a/", count: 2100) + "b"))]),
        ]
    }

    /// 20 levels of 195-byte names: 3,919 characters below the case directory, under PATH_MAX with it.
    static let levels = (0..<20).map { String(repeating: Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8($0))), count: 195) }
    static let deepPath = levels.joined(separator: "/")
    static let lowerChain = levels.prefix(6).joined(separator: "/")

    static func deepCases(_ caller: Caller) -> [ConformanceCase] {
        // mkdir and open one level at a time, the new level's descriptor in the slot the last-but-one used.
        var build: [Operation] = [.open(1, "", "RDONLY|DIRECTORY")]
        for (index, level) in levels.enumerated() {
            let from = index % 2 == 0 ? 1 : 2, to = index % 2 == 0 ? 2 : 1
            build += [.mkdir(.at(slot: from, level)), .open(to, .at(slot: from, level), "RDONLY|DIRECTORY")]
        }
        let bottom = levels.count % 2 == 0 ? 1 : 2
        let file = ScriptPath.inCase("\(deepPath)/file")
        // Two more levels below, so the full path passes PATH_MAX: reachable through descriptors only.
        let beyond: [Operation] = [
            .mkdir(.at(slot: bottom, "x\(levels[0].dropFirst())")), .open(3, .at(slot: bottom, "x\(levels[0].dropFirst())"), "RDONLY|DIRECTORY"),
            .mkdir(.at(slot: 3, "y\(levels[0].dropFirst())")), .open(4, .at(slot: 3, "y\(levels[0].dropFirst())"), "RDONLY|DIRECTORY"),
            .open(5, .at(slot: 4, "far"), "CREAT|RDWR"), .write(5, "far away"), .fstat(5), .pread(5, 16, at: 0), .close(5),
            .readdir(.at(slot: 4, "")), .rename(.at(slot: 4, "far"), .at(slot: 3, "near")), .readdir(.at(slot: 3, "")),
            .unlink(.at(slot: 3, "near")), .rmdir(.at(slot: 3, "y\(levels[0].dropFirst())")),
        ]
        return [
            ConformanceCase(
                "paths/deep/create", as: caller, watch: [deepPath],
                build + [
                    .open(3, .at(slot: bottom, "file"), "CREAT|RDWR"), .write(3, "deep"), .close(3), .stat(file),
                    .open(4, file, "RDONLY"), .read(4), .close(4), .rename(file, .inCase("\(deepPath)/moved")), .readdir(.inCase(deepPath)),
                    .unlink(.inCase("\(deepPath)/moved")), .rmdir(.inCase(deepPath)),
                ]),
            ConformanceCase(
                "paths/deep/beyond-path-max", as: caller, build + beyond),
            // A chain in the lowest layer: a write at the bottom copies every directory up. Six levels
            // (1,175 characters): looking up long names in the base gets slower with each level.
            ConformanceCase(
                "paths/deep/in-lowest", as: caller, entries: [.file("\(lowerChain)/file", in: .lowest, "low")],
                Operation.readWhole(.inCase("\(lowerChain)/file")) + [
                    .open(1, .inCase("\(lowerChain)/file"), "WRONLY|APPEND"), .write(1, "+up"), .close(1), .readdir(.inCase(lowerChain)),
                    .mkdir(.inCase("\(lowerChain)/new")), .rename(.inCase("\(lowerChain)/file"), .inCase("\(lowerChain)/new/file")),
                ] + Operation.readWhole(.inCase("\(lowerChain)/new/file"))),
        ]
    }
}
