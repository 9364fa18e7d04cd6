/// The permission matrix: owner, group and other callers × read, write and execute bits, on files and
/// directories in each layer; sticky and setgid directories.
enum PermissionCases {
    /// Owns the entries; `Caller.member` is in its group, `Caller.other` is not.
    static let owner = Caller.user.identity
    static let roles: [(name: String, caller: Caller)] = [("owner", .user), ("group", .member), ("other", .other), ("root", .root)]

    /// For each of owner, group and other and each of r, w, x: the mode with only that bit, and the
    /// mode with every bit but that one.
    static let modes: [UInt32] = [6, 3, 0].flatMap { shift in
        [4, 2, 1].flatMap { bit -> [UInt32] in [UInt32(bit) << UInt32(shift), 0o777 & ~(UInt32(bit) << UInt32(shift))] }
    }

    static var all: [ConformanceCase] { files + directories + sticky + setgid }

    static var files: [ConformanceCase] {
        Layer.allCases.flatMap { layer in
            modes.flatMap { mode in
                roles.map { role in
                    ConformanceCase(
                        "perm/file/\(layer)/\(octal(mode))/\(role.name)", as: role.caller,
                        entries: [.file("f", in: layer, "data", mode: mode, owner: owner)], owner: owner,
                        [
                            .access("f", "r"), .access("f", "w"), .access("f", "x"),
                            .open(1, "f", "RDONLY"), .read(1), .close(1),
                            .open(2, "f", "WRONLY"), .write(2, "w"), .close(2),
                        ])
                }
            }
        }
    }

    static var directories: [ConformanceCase] {
        Layer.allCases.flatMap { layer in
            modes.flatMap { mode in
                roles.map { role in
                    ConformanceCase(
                        "perm/dir/\(layer)/\(octal(mode))/\(role.name)", as: role.caller,
                        entries: [.directory("d", in: layer, mode: mode, owner: owner), .file("d/f", in: layer, "data", mode: 0o666, owner: owner)],
                        owner: owner,
                        [
                            .access("d", "r"), .access("d", "w"), .access("d", "x"),
                            .readdir("d"), .stat("d/f"),
                            .open(1, "d/new", "CREAT|WRONLY"), .close(1),
                            .mkdir("d/sub"), .rename("d/f", "d/g"), .unlink("d/g"),
                        ])
                }
            }
        }
    }

    /// A world-writable sticky directory owned by `other`, holding a file of `user` and one of `member`.
    static var sticky: [ConformanceCase] {
        let stickyOwner = Caller.other.identity
        return Layer.allCases.flatMap { layer in
            roles.map { role in
                ConformanceCase(
                    "perm/sticky/\(layer)/\(role.name)", as: role.caller,
                    entries: [
                        .directory("t", in: layer, mode: 0o1777, owner: stickyOwner),
                        .file("t/users", in: layer, "u", mode: 0o666, owner: owner),
                        .file("t/members", in: layer, "m", mode: 0o666, owner: Caller.member.identity),
                    ],
                    owner: owner,
                    [
                        .open(1, "t/members", "WRONLY"), .close(1),
                        .open(2, "t/members", "CREAT|WRONLY"), .close(2),
                        .rename("t/members", "t/moved"), .rename("t/users", "t/members"),
                        .unlink("t/users"), .unlink("t/members"), .unlink("t/moved"),
                        .open(3, "t/mine", "CREAT|WRONLY"), .close(3), .unlink("t/mine"),
                    ])
            }
        }
    }

    /// A setgid directory of `user`'s group, world-writable: new entries take its group; new directories
    /// inherit the bit; a new file keeps a requested setgid bit only when its creator is in the group.
    static var setgid: [ConformanceCase] {
        Layer.allCases.flatMap { layer in
            roles.map { role in
                ConformanceCase(
                    "perm/setgid/\(layer)/\(role.name)", as: role.caller,
                    entries: [.directory("g", in: layer, mode: 0o2777, owner: owner)], owner: owner,
                    [
                        .open(1, "g/f", "CREAT|WRONLY"), .close(1),
                        .open(2, "g/s", "CREAT|WRONLY", mode: 0o2755), .close(2),
                        .mkdir("g/d", 0o755), .mkdir("g/d/e", 0o700),
                        .mkfifo("g/p"), .symlink("f", "g/l"), .mknod("g/r", "reg", 0o2750),
                    ])
            }
        }
    }
}

func octal(_ mode: UInt32) -> String { "0" + String(mode, radix: 8) }
