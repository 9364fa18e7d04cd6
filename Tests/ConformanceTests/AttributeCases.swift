/// chmod, chown and utimensat: who may, and which bits Linux clears (set-user-ID and set-group-ID on
/// write, truncate and chown); who owns new entries; the umask.
enum AttributeCases {
    static let user = Caller.user.identity
    static let other = Caller.other.identity

    static var all: [ConformanceCase] {
        Layer.allCases.flatMap { layer in chmodCases(layer) + chownCases(layer) + setIDCases(layer) + timeCases(layer) + newEntryCases(layer) }
            + umaskCases
    }

    static func chmodCases(_ layer: Layer) -> [ConformanceCase] {
        [
            ConformanceCase(
                "attr/chmod/\(layer)/owner", as: .user, entries: [.file("f", in: layer, mode: 0o644), .directory("d", in: layer)],
                [.chmod("f", 0o600), .chmod("f", 0o4755), .chmod("f", 0o644), .chmod("d", 0o700), .chmod("d", 0o3755),
                 .open(1, "f", "RDONLY"), .fchmod(1, 0o640), .close(1)]),
            ConformanceCase(
                "attr/chmod/\(layer)/not-owner", as: .other, entries: [.file("f", in: layer, mode: 0o666, owner: user)], owner: user,
                [.chmod("f", 0o777), .open(1, "f", "RDWR"), .fchmod(1, 0o777), .close(1)]),
            ConformanceCase(
                "attr/chmod/\(layer)/root", as: .root, entries: [.file("f", in: layer, mode: 0o600, owner: user)], owner: user,
                [.chmod("f", 0o6777), .chmod("f", 0o000), .chmod("", 0o700)]),
            // The owner is not in the file's group: chmod silently drops the setgid bit.
            ConformanceCase(
                "attr/chmod/\(layer)/setgid-outside-group", as: .user,
                entries: [.file("f", in: layer, mode: 0o644, owner: Identity(uid: user.uid, gid: other.gid))],
                [.chmod("f", 0o2755), .chmod("f", 0o4755)]),
            ConformanceCase(
                "attr/chmod/\(layer)/symlink-follows", as: .user,
                entries: [.file("f", in: layer, mode: 0o644), .symlink("l", in: layer, to: "f")],
                [.chmod("l", 0o600), .lstat("l")]),
        ]
    }

    static func chownCases(_ layer: Layer) -> [ConformanceCase] {
        [
            ConformanceCase(
                "attr/chown/\(layer)/owner", as: .user, entries: [.file("f", in: layer, mode: 0o644)],
                [.chown("f", Int(other.uid), -1), .chown("f", -1, Int(other.gid)), .chown("f", -1, Int(user.gid)),
                 .chown("f", Int(user.uid), Int(user.gid)), .chown("f", -1, -1)]),
            // A member of the file's new group may give it that group; the set-ID bits go.
            ConformanceCase(
                "attr/chown/\(layer)/group-member", as: .member,
                entries: [.file("f", in: layer, mode: 0o6755), .file("g", in: layer, mode: 0o2745)],
                [.chown("f", -1, Int(user.gid)), .chown("g", -1, Int(user.gid)), .chown("f", Int(user.uid), -1)]),
            ConformanceCase(
                "attr/chown/\(layer)/root", as: .root,
                entries: [
                    .file("f", in: layer, mode: 0o6755, owner: user), .file("g", in: layer, mode: 0o2745, owner: user),
                    .directory("d", in: layer, mode: 0o2755, owner: user), .symlink("l", in: layer, to: "f", owner: user),
                ],
                owner: user,
                [.chown("f", Int(other.uid), Int(other.gid)), .chown("g", Int(other.uid), -1), .chown("d", Int(other.uid), Int(other.gid)),
                 .lchown("l", Int(other.uid), Int(other.gid)), .chown("l", 0, 0),
                 .open(1, "f", "RDONLY"), .fchown(1, Int(user.uid), Int(user.gid)), .close(1)]),
            ConformanceCase(
                "attr/chown/\(layer)/not-owner", as: .other, entries: [.file("f", in: layer, mode: 0o666, owner: user)], owner: user,
                [.chown("f", Int(other.uid), Int(other.gid)), .chown("f", -1, -1), .chown("f", -1, Int(other.gid))]),
        ]
    }

    /// Writing or truncating a set-ID file clears the bits unless the writer holds CAP_FSETID; setgid
    /// without group execute (a mandatory-locking mark) stays.
    static func setIDCases(_ layer: Layer) -> [ConformanceCase] {
        let callers: [(String, Caller)] = [("owner", .user), ("other", .other), ("root", .root)]
        return callers.flatMap { name, caller in
            [
                ConformanceCase(
                    "attr/setid-write/\(layer)/\(name)", as: caller,
                    entries: [.file("f", in: layer, mode: 0o6777, owner: user), .file("g", in: layer, mode: 0o2666, owner: user)], owner: user,
                    [.open(1, "f", "WRONLY"), .write(1, "x"), .close(1), .open(2, "g", "WRONLY"), .write(2, "x"), .close(2)]),
                ConformanceCase(
                    "attr/setid-truncate/\(layer)/\(name)", as: caller,
                    entries: [.file("f", in: layer, mode: 0o6777, owner: user), .file("g", in: layer, mode: 0o4777, owner: user)], owner: user,
                    [.truncate("f", 2), .open(1, "g", "RDWR"), .ftruncate(1, 1), .close(1)]),
            ]
        }
    }

    static func timeCases(_ layer: Layer) -> [ConformanceCase] {
        [
            ConformanceCase(
                "attr/utimens/\(layer)/owner", as: .user,
                entries: [.file("f", in: layer), .directory("d", in: layer), .symlink("l", in: layer, to: "f")],
                [.utimens("f", "1000000000.5", "1200000000.25"), .times("f"), .utimens("f", "omit", "1300000000.0"), .times("f"),
                 .utimens("d", "1000000000.0", "1100000000.0"), .times("d"),
                 .utimens("l", "900000000.0", "900000000.0", nofollow: true), .times("l"), .times("f")]),
            ConformanceCase(
                "attr/utimens/\(layer)/writer", as: .other, entries: [.file("f", in: layer, mode: 0o666, owner: user)], owner: user,
                [.utimens("f", nil, nil), .utimens("f", "now", "now"), .utimens("f", "100.0", "100.0"), .utimens("f", "omit", "omit"),
                 .utimens("f", "now", "omit")]),
            ConformanceCase(
                "attr/utimens/\(layer)/no-write", as: .other, entries: [.file("f", in: layer, mode: 0o644, owner: user)], owner: user,
                [.utimens("f", nil, nil), .utimens("f", "now", "now"), .utimens("f", "100.0", "100.0")]),
            ConformanceCase(
                "attr/utimens/\(layer)/root", as: .root, entries: [.file("f", in: layer, mode: 0o600, owner: user)], owner: user,
                [.utimens("f", "1000000000.0", "1000000001.123456789"), .times("f"), .utimens("f", nil, nil)]),
            ConformanceCase(
                "attr/times-on-change/\(layer)", as: .user, entries: [.file("f", in: layer), .directory("d", in: layer)],
                [.open(1, "f", "RDONLY"), .read(1), .close(1), .open(2, "f", "WRONLY"), .close(2), .open(3, "f", "WRONLY"), .write(3, "z"),
                 .close(3), .chmod("f", 0o640), .readdir("d"), .mkdir("d/n"), .rmdir("d/n")]),
        ]
    }

    static func newEntryCases(_ layer: Layer) -> [ConformanceCase] {
        let callers: [(String, Caller)] = [("owner", .user), ("member", .member), ("other", .other), ("root", .root)]
        return callers.map { name, caller in
            ConformanceCase(
                "attr/new-entry/\(layer)/\(name)", as: caller, entries: [.directory("d", in: layer, mode: 0o777, owner: user)], owner: user,
                [.open(1, "d/f", "CREAT|WRONLY", mode: 0o666), .close(1), .mkdir("d/sub", 0o777), .mkfifo("d/p", 0o666),
                 .symlink("f", "d/l"), .link("d/f", "d/h"), .mknod("d/n", "reg", 0o640), .open(2, "d/x", "CREAT|EXCL|RDWR", mode: 0o4755),
                 .close(2)])
        }
    }

    static var umaskCases: [ConformanceCase] {
        Caller.standard.map { caller in
            ConformanceCase(
                "attr/umask", as: caller,
                [.umask(0), .open(1, "a", "CREAT|WRONLY", mode: 0o666), .close(1), .mkdir("d", 0o777), .umask(0o077),
                 .open(2, "b", "CREAT|WRONLY", mode: 0o666), .close(2), .mkdir("e", 0o777), .mkfifo("p", 0o666), .umask(0o022)])
        }
    }
}
