/// rename(2), RENAME_NOREPLACE and RENAME_EXCHANGE over every pair of what the source and the
/// destination can be: a file or a directory in the upper, middle or lowest layer, an empty or
/// non-empty directory, a name whited out in a layer above a lower entry, or nothing.
enum RenameCases {
    /// What a name can be before the rename, as layer entries for `name`.
    struct Placement: Sendable {
        let label: String
        let entries: @Sendable (String) -> [LayerEntry]
    }

    static let sources: [Placement] =
        Layer.allCases.map { layer in Placement(label: "file-\(layer)") { [.file($0, in: layer, "\($0)-data")] } }
        + Layer.allCases.map { layer in
            Placement(label: "dir-\(layer)") { [.directory($0, in: layer), .file("\($0)/in", in: layer, "\($0)-in")] }
        }
        + whiteouts + [Placement(label: "absent") { _ in [] }]

    static let destinations: [Placement] =
        Layer.allCases.map { layer in Placement(label: "file-\(layer)") { [.file($0, in: layer, "\($0)-data")] } }
        + Layer.allCases.map { layer in Placement(label: "emptydir-\(layer)") { [.directory($0, in: layer)] } }
        + [
            Placement(label: "dir-lowest") { [.directory($0, in: .lowest), .file("\($0)/in", in: .lowest, "\($0)-in")] },
            // A directory merged from two layers, its lowest entry whited out: empty to a reader.
            Placement(label: "merged-emptied-dir") {
                [.directory($0, in: .lowest), .file("\($0)/gone", in: .lowest), .directory($0, in: .upper), .whiteout("\($0)/gone", in: .upper)]
            },
        ]
        + whiteouts + [Placement(label: "absent") { _ in [] }]

    /// A lower file hidden by a whiteout in the middle or upper layer.
    static let whiteouts: [Placement] = [Layer.middle, .upper].map { layer in
        Placement(label: "whiteout-\(layer)") { [.file($0, in: .lowest, "\($0)-hidden"), .whiteout($0, in: layer)] }
    }

    static var all: [ConformanceCase] {
        Caller.standard.flatMap { caller in
            sources.flatMap { source in
                destinations.flatMap { destination in
                    RenameFlag.allCases.map { flag in
                        ConformanceCase(
                            "rename/\(source.label)/\(destination.label)/\(flag)", as: caller,
                            entries: source.entries("s") + destination.entries("t"), watch: ["s/in", "t/in", "u/in"],
                            [.rename("s", "t", flag), .readdir(""), .readdir("s"), .readdir("t")]
                                + Operation.readWhole("s", slot: 8) + Operation.readWhole("t")
                                // The entry moves on, and its old name is made again: it must start empty.
                                + [.rename("t", "u"), .readdir("u"), .mkdir("s"), .readdir("s"), .open(1, "t", "CREAT|WRONLY"), .close(1), .readdir("")])
                    }
                }
            }
        }
    }
}
