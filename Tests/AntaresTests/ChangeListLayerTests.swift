import Antares
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// The directory a CL's changes are written to, in kernel overlayfs's format (whiteouts need root).
@Suite(.enabled(if: geteuid() == 0, "whiteouts need root or CAP_MKNOD"))
struct ChangeListLayerTests {
    typealias Look = ChangeListInspection

    @Test func layerHoldsTheChangesInOverlayFormat() throws {
        let fixture = try ChangeListRepository()
        let layer = fixture.scratch.path.appending("layers/cl-456")
        let resolved = try GitChangeList(repository: fixture.path.string).changes(of: "456", over: "main")
        let summary = try ChangeListLayerWriter(destination: layer).write(resolved.changes)

        let listing = shell("cd '\(layer)' && find . -mindepth 1 -printf '%P\\n' | sort").output
        #expect(listing.split(separator: "\n").map(String.init) == [
            "added", "added/new.txt", "blob.bin", "data", "data/blob.bin", "empty-later", "empty.txt", "link-to-main", "new",
            "new-link", "odd dir", "run.sh", "src", "src/lib", "src/lib/moved.h", "src/lib/moved.h/part.h", "src/lib/up",
            "src/main.c", "vendor", "vendor/sub",
        ])
        #expect(Look.contents(of: layer.appending("src/main.c")) == "from cl 456\n")
        #expect(Look.permissions(of: layer.appending("src/main.c")) == 0o644)
        #expect(Look.contents(of: layer.appending("added/new.txt")) == "added\n")
        #expect(Look.permissions(of: layer.appending("run.sh")) == 0o644, "the exec bit the CL dropped")
        #expect(Look.status(of: layer.appending("data/blob.bin"))?.st_size == 1_048_577)
        for deleted in ["empty.txt", "blob.bin", "new"] {
            #expect(Look.isWhiteout(layer.appending(deleted)), "\(deleted) is a char 0/0 whiteout")
        }
        #expect(shell("readlink '\(layer)/new-link'").output == "src/main.c\n")
        #expect(shell("readlink '\(layer)/link-to-main'").output == "run.sh\n")
        #expect(Look.kind(of: layer.appending("src/lib/moved.h")) == S_IFDIR, "file → directory")
        #expect(Look.contents(of: layer.appending("src/lib/moved.h/part.h")) == "part\n")
        #expect(Look.kind(of: layer.appending("odd dir")) == S_IFREG, "directory → file")
        #expect(Look.kind(of: layer.appending("src/lib/up")) == S_IFREG, "symlink → file")
        #expect(Look.kind(of: layer.appending("vendor/sub")) == S_IFDIR, "a submodule is an empty directory")
        #expect(OverlayFormat.detect(for: layer).isOpaque(layer.appending("empty-later")), "a submodule that replaced a directory hides it")
        #expect(!OverlayFormat.detect(for: layer).isOpaque(layer.appending("vendor/sub")))

        #expect(summary == ChangeListLayerSummary(added: 7, modified: 4, deleted: 6, bytes: 1_048_640))
        #expect(summary.description == "17 files")
        #expect(shell("ls -A '\(layer.removingLastComponent())'").output == "cl-456\n", "no build directory left behind")
    }

    @Test func rebuildingReplacesTheLayer() throws {
        let fixture = try ChangeListRepository()
        let layer = fixture.scratch.path.appending("cl")
        let changeLists = GitChangeList(repository: fixture.path.string)
        try ChangeListLayerWriter(destination: layer).write(changeLists.changes(of: "456", over: "main").changes)
        let summary = try ChangeListLayerWriter(destination: layer).write(changeLists.changes(of: "789", over: "main").changes)

        #expect(summary == ChangeListLayerSummary(added: 1, modified: 1, deleted: 1, bytes: 35))
        #expect(shell("cd '\(layer)' && find . -mindepth 1 -printf '%P\\n' | sort").output == "cl789.txt\nodd dir\nodd dir/a+b#c d.txt\nrun.sh\n")
        #expect(Look.isWhiteout(layer.appending("run.sh")))
        #expect(shell("ls -A '\(fixture.scratch.path)' | grep -c building").output == "0\n")
    }

    @Test func entriesOutsideTheLayerAreRefused() throws {
        let scratch = try Scratch()
        let outside = scratch.directory("outside")
        let layer = scratch.path.appending("cl")
        let escapes: [[LayerEntry]] = [
            [LayerEntry(path: "../outside/x", content: .file(bytes: [1], executable: false))],
            [LayerEntry(path: outside.appending("x"), content: .file(bytes: [1], executable: false))],
            [
                LayerEntry(path: "link", content: .symlink(target: outside.string)),
                LayerEntry(path: "link/x", content: .file(bytes: [1], executable: false)),
            ],
        ]
        for entries in escapes {
            #expect(throws: ChangeListError.self) { try ChangeListLayerWriter(destination: layer).write(LayerChanges(entries: entries)) }
        }
        #expect(shell("ls -A '\(outside)'").output.isEmpty)
        #expect(shell("ls -A '\(scratch.path)'").output == "outside\n", "neither a layer nor its build directory is left")
    }

    @Test func anEmptyChangeListMakesAnEmptyLayer() throws {
        let scratch = try Scratch()
        let layer = scratch.path.appending("cl")
        let summary = try ChangeListLayerWriter(destination: layer).write(LayerChanges())
        #expect(summary.files == 0 && summary.description == "0 files")
        #expect(Look.kind(of: layer) == S_IFDIR)
        #expect(shell("ls -A '\(layer)'").output.isEmpty)
    }
}
