import Artifact
import ScorpioTestSupport
import SystemPackage
import Testing

@Suite struct LayerContentTests {
    /// Changes are written in path order (a whiteout where the deleted path would sort), an opaque
    /// marker right after its directory.
    @Test func gnuTarListsEntriesWhiteoutsAndOpaqueMarkersInOrder() throws {
        let fixture = try LayerFixture()
        let (layer, summary) = try fixture.write()
        #expect(try tarNames(layer) == [
            "build/", "build/.wh..wh..opq", "build/new.o",
            "docs/.wh.README",
            ".wh.old.txt",
            "src/main.c",
            "tools/", "tools/blob", "tools/blob-again", "tools/main-link", "tools/run.sh",
        ])
        #expect(summary.counts.added == 6)
        #expect(summary.counts.modified == 2)
        #expect(summary.counts.deleted == 2)
        #expect(summary.counts.bytesAdded == 200_000 + 6 + 18)
        #expect(summary.counts.bytesModified == 11)
        #expect(summary.entries == 11)
    }

    @Test func gnuTarSeesModesOwnersSymlinksAndHardLinks() throws {
        let fixture = try LayerFixture()
        let (layer, _) = try fixture.write()
        let listing = try run("tar --numeric-owner -tvf '\(layer)'")
        let lines = listing.split(separator: "\n").map(String.init)
        func line(_ name: String) -> String {
            lines.first { $0.hasSuffix(" \(name)") || $0.contains(" \(name) -> ") || $0.contains(" \(name) link to ") } ?? "missing \(name)"
        }
        #expect(line("tools/run.sh").hasPrefix("-rwxr-xr-x 0/0"))
        #expect(line("tools/run.sh").contains("2024-01-02 03:04"))
        #expect(line("build/new.o").hasPrefix("-rw-r----- 0/0"))
        #expect(line("tools/main-link").hasPrefix("lrwxrwxrwx"))
        #expect(line("tools/main-link").hasSuffix("tools/main-link -> ../src/main.c"))
        #expect(line("tools/blob-again").hasPrefix("hrw"))
        #expect(line("tools/blob-again").hasSuffix("tools/blob-again link to tools/blob"))
        #expect(line("tools/blob").contains(" 200000 "))
        #expect(line("docs/.wh.README").hasPrefix("---------- 0/0"))
        #expect(line("build/").hasPrefix("drwxr-xr-x"))
    }

    @Test func xattrsTravelAsSchilyHeadersWithoutOverlayInternals() throws {
        let fixture = try LayerFixture()
        let (layer, _) = try fixture.write()
        let out = fixture.scratch.directory("out")
        try run("tar --xattrs --xattrs-include='*' -xf '\(layer)' -C '\(out)'")
        let runScript = try run("getfattr --absolute-names -d -m - '\(out)/tools/run.sh'")
        #expect(runScript.contains("user.note=\"kept value\""))
        #expect(!runScript.contains("overlay"))
        let build = try run("getfattr --absolute-names -d -m - '\(out)/build'")
        #expect(!build.contains("overlay"))
        let raw = try run("gzip -dc '\(layer)' | grep -a -c 'SCHILY.xattr.user.note=kept value' || true")
        #expect(raw.hasPrefix("1"))
        #expect(try run("gzip -dc '\(layer)' | grep -a -c 'overlay' || true").hasPrefix("0"))
    }

    @Test func libarchiveReadsBackTheSameEntries() throws {
        let fixture = try LayerFixture()
        let (layer, _) = try fixture.write(.zstd)
        let entries = try readLayer(layer)
        #expect(entries.map(\.name) == (try tarNames(layer)).map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 })
        let byName = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) })
        #expect(byName["tools/run.sh"]?.mode == 0o100755)
        #expect(byName["tools/run.sh"]?.xattrs == ["user.note": "kept value"])
        #expect(byName["tools/run.sh"]?.mtime == 1_704_164_645)
        #expect(byName["build"]?.xattrs == [:])
        #expect(byName["build/new.o"]?.mode == 0o100640)
        #expect(byName["tools/main-link"]?.symlink == "../src/main.c")
        #expect(byName["tools/blob-again"]?.hardlink == "tools/blob")
        #expect(byName["tools/blob"]?.size == 200_000)
        #expect(byName["tools/blob"]?.hardlink == nil)
        #expect(byName["docs/.wh.README"]?.size == 0)
        #expect(byName["build/.wh..wh..opq"]?.mode == 0o100000)
    }

    @Test func applyingTheLayerOverTheBaseGivesTheUnionsTree() throws {
        let fixture = try LayerFixture()
        let (layer, _) = try fixture.write()
        let expected = try fixture.merged()
        let applied = fixture.scratch.directory("applied")
        try run("cp -a '\(fixture.base)/.' '\(applied)/'")
        try applyLikeAContainerRuntime(layer, onto: applied)
        #expect(snapshot(applied) == snapshot(expected))
        #expect(snapshot(applied)["build/obj"] == nil)
        #expect(snapshot(applied)["docs/guide"] != nil)
    }
}

@Suite struct RenamedDirectoryTests {
    /// A renamed directory reaches the writer as the old path deleted and the whole subtree added at the
    /// new path; applied over the base, the layer moves the directory.
    @Test func aRenamedDirectoryIsEmittedInFull() throws {
        let scratch = try Scratch()
        let base = scratch.directory("base")
        let moved = scratch.directory("moved")
        try run(
            """
            set -e
            mkdir -p '\(base)/lib/deep' '\(moved)/deep'
            printf 'a\\n' > '\(base)/lib/a.h'; printf 'b\\n' > '\(base)/lib/deep/b.h'
            cp -a '\(base)/lib/.' '\(moved)/'
            printf 'changed\\n' > '\(moved)/a.h'
            """)
        let changes = [LayerChange.deleted("lib"), .added("newlib", from: moved)] + LayerChange.additions(under: moved, at: "newlib")
        #expect(changes.map(\.path) == ["lib", "newlib", "newlib/a.h", "newlib/deep", "newlib/deep/b.h"])
        let layer = scratch.path.appending("layer.tar.gz")
        _ = try OCILayerWriter().write(changes, to: layer)
        #expect(try tarNames(layer) == [".wh.lib", "newlib/", "newlib/a.h", "newlib/deep/", "newlib/deep/b.h"])
        let applied = scratch.directory("applied")
        try run("cp -a '\(base)/.' '\(applied)/'")
        try applyLikeAContainerRuntime(layer, onto: applied)
        let tree = snapshot(applied)
        #expect(tree["lib"] == nil)
        #expect(tree.keys.sorted() == ["newlib", "newlib/a.h", "newlib/deep", "newlib/deep/b.h"])
        #expect(try run("cat '\(applied)/newlib/a.h'") == "changed\n")
    }
}

@Suite struct ParentDirectoryTests {
    @Test func parentsOfChangesComeFromTheUpperOnceAndUncounted() throws {
        let fixture = try LayerFixture()
        try run("chmod 700 '\(fixture.upper)/src' '\(fixture.upper)/docs' && touch -d '2024-03-04T05:06:07Z' '\(fixture.upper)/src'")
        let destination = fixture.scratch.path.appending("parents.tar")
        let summary = try OCILayerWriter(compression: .none, parentDirectories: fixture.upper).write(fixture.changes, to: destination)
        #expect(try tarNames(destination) == [
            "build/", "build/.wh..wh..opq", "build/new.o",
            "docs/", "docs/.wh.README",
            ".wh.old.txt",
            "src/", "src/main.c",
            "tools/", "tools/blob", "tools/blob-again", "tools/main-link", "tools/run.sh",
        ])
        #expect(summary.counts.total == 10)
        let entries = Dictionary(uniqueKeysWithValues: try readLayer(destination).map { ($0.name, $0) })
        #expect(entries["src"]?.mode == 0o40700)
        #expect(entries["src"]?.mtime == 1_709_528_767)
        #expect(entries["docs"]?.mode == 0o40700)
    }
}
