import Artifact
import ScorpioTestSupport
import SystemPackage
import Testing

struct ShellFailure: Error, CustomStringConvertible {
    let command: String
    let status: Int32
    var description: String { "exit \(status): \(command)" }
}

/// Runs `command` with /bin/sh; fails the test unless it exits 0.
@discardableResult
func run(_ command: String) throws -> String {
    let result = shell(command)
    guard result.status == 0 else { throw ShellFailure(command: command, status: result.status) }
    return result.output
}

/// A base tree and an upper directory in overlayfs's format made over it, plus the changes Antares would
/// report for that upper, mapped to `LayerChange`s the way ScorpioKit does.
struct LayerFixture {
    let scratch: Scratch
    let base: FilePath
    let upper: FilePath
    let changes: [LayerChange]

    init() throws {
        scratch = try Scratch()
        base = scratch.directory("base")
        upper = scratch.directory("upper")
        try run(
            """
            set -e
            cd '\(base)'
            mkdir -p docs build/obj src
            printf 'readme\\n' > docs/README
            printf 'guide\\n' > docs/guide
            printf 'stale\\n' > build/obj/a.o
            printf 'stale\\n' > build/old.log
            printf 'int x;\\n' > src/main.c
            printf 'gone\\n' > old.txt
            cd '\(upper)'
            mkdir -p docs build src tools
            mknod docs/README c 0 0
            mknod old.txt c 0 0
            setfattr -n trusted.overlay.opaque -v y build
            setfattr -n user.overlay.origin -v x build
            printf 'fresh\\n' > build/new.o
            chmod 640 build/new.o
            printf 'int x = 1;\\n' > src/main.c
            printf '#!/bin/sh\\necho hi\\n' > tools/run.sh
            chmod 755 tools/run.sh
            setfattr -n user.note -v 'kept value' tools/run.sh
            setfattr -n trusted.overlay.metacopy -v '' tools/run.sh
            ln -s ../src/main.c tools/main-link
            head -c 200000 /dev/urandom > tools/blob
            ln tools/blob tools/blob-again
            touch -h -d '2024-01-02T03:04:05Z' tools/run.sh tools/main-link tools/blob build/new.o src/main.c
            """)
        changes = [
            .deleted("docs/README"),
            .deleted("old.txt"),
            .opaqueDirectory("build", from: upper.appending("build")),
            .added("build/new.o", from: upper.appending("build/new.o")),
            .modified("src/main.c", from: upper.appending("src/main.c")),
            .added("tools", from: upper.appending("tools")),
            .added("tools/run.sh", from: upper.appending("tools/run.sh")),
            .added("tools/main-link", from: upper.appending("tools/main-link")),
            .added("tools/blob", from: upper.appending("tools/blob")),
            .added("tools/blob-again", from: upper.appending("tools/blob-again")),
        ]
    }

    /// The tree a union of upper over base shows: what applying the layer over the base must give.
    func merged() throws -> FilePath {
        let merged = scratch.directory("expected")
        try run(
            """
            set -e
            cp -a '\(base)/.' '\(merged)/'
            cd '\(merged)'
            rm -rf docs/README old.txt build
            mkdir build
            cp -a '\(upper)/build/new.o' build/
            cp -a '\(upper)/src/main.c' src/
            cp -a '\(upper)/tools' .
            """)
        return merged
    }

    func write(_ compression: LayerCompression = .gzip, filter: PathFilter = .everything, name: String = "layer") throws -> (FilePath, LayerSummary) {
        let destination = scratch.path.appending("\(name).\(compression.fileExtension)")
        let summary = try OCILayerWriter(compression: compression, filter: filter).write(changes, to: destination)
        return (destination, summary)
    }
}

/// The names in a layer, in order, as GNU tar lists them.
func tarNames(_ layer: FilePath) throws -> [String] {
    try run("tar -tf '\(layer)'").split(separator: "\n").map(String.init)
}
