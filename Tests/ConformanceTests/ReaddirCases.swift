/// Directory listings of merged directories: whiteouts and opaque directories in the upper and middle
/// layers hide lower entries, each entry's type, and directories emptied, removed, made again and
/// renamed.
enum ReaddirCases {
    static var all: [ConformanceCase] { Caller.standard.flatMap(cases) }

    static func cases(_ caller: Caller) -> [ConformanceCase] {
        [
            ConformanceCase(
                "readdir/merged", as: caller,
                entries: [
                    .file("a", in: .lowest), .file("b", in: .lowest, "low"), .file("c", in: .lowest), .directory("sub", in: .lowest),
                    .file("sub/low", in: .lowest), .fifo("fifo", in: .lowest), .symlink("link", in: .lowest, to: "a"),
                    .file("b", in: .middle, "mid"), .whiteout("c", in: .middle), .file("m", in: .middle), .directory("sub", in: .middle),
                    .file("sub/mid", in: .middle), .whiteout("a", in: .upper), .file("u", in: .upper), .directory("sub", in: .upper),
                    .file("sub/up", in: .upper), .directory("ud", in: .upper), .symlink("ul", in: .upper, to: "u"),
                ],
                [.readdir(""), .readdir("sub")] + Operation.readWhole("b") + [
                    .unlink("b"), .readdir(""), .mkdir("c"), .readdir("c"), .rmdir("c"), .open(1, "a", "CREAT|WRONLY"), .close(1), .readdir(""),
                    .unlink("sub/low"), .unlink("sub/mid"), .readdir("sub"),
                ]),
            ConformanceCase(
                "readdir/opaque", as: caller,
                entries: [
                    .directory("d", in: .lowest), .file("d/low", in: .lowest), .directory("d", in: .middle, opaque: true), .file("d/mid", in: .middle),
                    .directory("e", in: .lowest), .file("e/low", in: .lowest), .directory("e", in: .middle), .file("e/mid", in: .middle),
                    .directory("e", in: .upper, opaque: true), .file("e/up", in: .upper),
                ],
                [.readdir("d"), .readdir("e"), .stat("d/low"), .stat("e/mid"), .mkdir("d/low"), .readdir("d/low"), .rename("d", "e", .exchange),
                 .readdir("d"), .readdir("e")]),
            ConformanceCase(
                "readdir/remove-and-remake", as: caller,
                entries: [
                    .directory("full", in: .lowest), .file("full/x", in: .lowest), .directory("emptied", in: .lowest),
                    .file("emptied/x", in: .lowest), .directory("emptied", in: .upper), .whiteout("emptied/x", in: .upper),
                    .directory("mid", in: .middle), .file("mid/y", in: .middle), .directory("mid", in: .lowest), .file("mid/z", in: .lowest),
                ],
                [.rmdir("full"), .unlink("full/x"), .rmdir("full"), .mkdir("full"), .readdir("full"), .readdir("emptied"), .rmdir("emptied"),
                 .mkdir("emptied"), .readdir("emptied"), .rmdir("mid"), .unlink("mid/y"), .unlink("mid/z"), .readdir("mid"), .rmdir("mid"),
                 .open(1, "mid", "CREAT|WRONLY"), .close(1), .readdir("")]),
            ConformanceCase(
                "readdir/renamed", as: caller,
                entries: [
                    .directory("src", in: .lowest), .file("src/low", in: .lowest), .directory("src", in: .middle), .file("src/mid", in: .middle),
                    .directory("src/deeper", in: .lowest), .file("src/deeper/f", in: .lowest),
                ],
                [.rename("src", "dst"), .readdir("dst"), .readdir("dst/deeper"), .mkdir("src"), .readdir("src"), .rename("dst/deeper", "deeper"),
                 .readdir("deeper"), .rename("dst", "src/again"), .readdir("src/again"), .open(1, "src/again/new", "CREAT|WRONLY"), .close(1),
                 .readdir("src/again")]),
            ConformanceCase(
                "readdir/many", as: caller,
                entries: (0..<300).map { .file("big/low\($0)", in: .lowest, "") } + (0..<40).map { .whiteout("big/low\($0 * 5)", in: .upper) }
                    + (0..<30).map { .file("big/up\($0)", in: .upper, "") } + (0..<30).map { .file("big/mid\($0)", in: .middle, "") },
                watch: ["big", "big/low3", "big/mid7"], watchesWhatItNames: false,
                [.readdir("big"), .stat("big"), .readdir("big/low1"), .open(1, "big/low3", "WRONLY|TRUNC"), .close(1), .unlink("big/mid7"),
                 .readdir("big")]),
        ]
    }
}
