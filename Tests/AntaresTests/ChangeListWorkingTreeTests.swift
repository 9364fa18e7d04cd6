import Antares
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// The layer `scorpio run` lays over HEAD for a work tree's uncommitted changes.
struct ChangeListWorkingTreeTests {
    typealias Look = ChangeListInspection

    /// Modified, mode-changed, staged new, deleted (a file and a whole directory), untracked, type-changed
    /// and ignored entries in `repository`'s work tree.
    static func dirty(_ repository: TestRepository) throws {
        let script = """
            set -e
            cd '\(repository.path)'
            printf 'edited\\n' > src/main.c
            chmod +x src/lib/moved.h
            printf 'staged\\n' > staged.txt; git add staged.txt
            rm empty.txt
            rm -r new
            git rm -q --cached -r 'odd dir'
            mkdir -p untracked/deep; printf 'untracked\\n' > untracked/deep/u.txt
            rm link-to-main; mkdir link-to-main; printf 'inside\\n' > link-to-main/inside
            rm -r empty-later; printf 'now a file\\n' > empty-later
            ln -s run.sh untracked-link
            printf '*.log\\nignored-dir/\\n' > .gitignore
            printf 'ignored\\n' > build.log; mkdir ignored-dir; printf 'ignored\\n' > ignored-dir/x
            """
        guard shell(script).status == 0 else { throw Errno.ioError }
    }

    @Test func cleanWorkTreeHasNoChanges() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        let changes = WorkingTreeChanges(repository: repository.path.string)
        #expect(try changes.isClean())
        let layer = try changes.changes()
        #expect(layer.changes.isEmpty)
        #expect(layer.head?.hex == String(shell("git -C '\(repository.path)' rev-parse HEAD").output.prefix(40)))
    }

    @Test(.enabled(if: geteuid() == 0, "whiteouts need root or CAP_MKNOD"))
    func dirtyWorkTreeLayer() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        try Self.dirty(repository)
        let changes = WorkingTreeChanges(repository: repository.path.string)
        #expect(try !changes.isClean())
        let layer = scratch.path.appending("wt")
        let summary = try ChangeListLayerWriter(destination: layer).write(changes.changes().changes)

        #expect(Look.contents(of: layer.appending("src/main.c")) == "edited\n")
        #expect(Look.permissions(of: layer.appending("src/lib/moved.h")) == 0o755)
        #expect(Look.contents(of: layer.appending("staged.txt")) == "staged\n")
        #expect(Look.contents(of: layer.appending("untracked/deep/u.txt")) == "untracked\n")
        #expect(Look.isWhiteout(layer.appending("empty.txt")))
        #expect(Look.isWhiteout(layer.appending("new")), "a directory gone from the work tree is one whiteout")
        #expect(Look.status(of: layer.appending("new/deep")) == nil)
        #expect(Look.contents(of: layer.appending("link-to-main/inside")) == "inside\n")
        #expect(Look.kind(of: layer.appending("empty-later")) == S_IFREG)
        #expect(shell("readlink '\(layer)/untracked-link'").output == "run.sh\n")
        #expect(Look.contents(of: layer.appending(".gitignore")) == "*.log\nignored-dir/\n")
        #expect(Look.status(of: layer.appending("build.log")) == nil && Look.status(of: layer.appending("ignored-dir")) == nil)
        #expect(Look.status(of: layer.appending("odd dir")) == nil, "untracked again but unchanged: nothing to lay over")
        #expect(Look.status(of: layer.appending("run.sh")) == nil)
        // added: staged.txt, u.txt, link-to-main/inside, empty-later, untracked-link, .gitignore; modified: main.c,
        // moved.h; deleted: empty.txt, new/deep/er/file, empty-later/.keep, link-to-main (now a directory).
        #expect([summary.added, summary.modified, summary.deleted] == [6, 2, 4])
        #expect(summary.bytes == 65)
    }

    @Test(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
    func dirtyWorkTreeOverHeadShowsTheWorkTree() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        try Self.dirty(repository)
        let layer = scratch.path.appending("wt")
        try ChangeListLayerWriter(destination: layer).write(WorkingTreeChanges(repository: repository.path.string).changes().changes)

        let union = try ChangeListUnion(repository: repository.path, revision: "HEAD", changeList: layer, in: scratch)
        defer { union.unmount() }
        let expected = scratch.path.appending("expected")
        let copy = """
            cp -a '\(repository.path)' '\(expected)' && cd '\(expected)' && rm -rf .git build.log ignored-dir \
            && find . -type f -exec chmod go-w {} +
            """
        #expect(shell(copy).status == 0)
        #expect(snapshot(union.mountpoint) == snapshot(expected))
    }
}
