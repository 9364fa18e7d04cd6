import Antares
import Dicfuse
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// A test repository (``TestRepository``: `main` with two commits, tag `v1` on the first) with change
/// lists made by the git command line:
/// - `refs/cl/456` (branch `cl456`), from main's tip: modifies, adds, deletes, renames, drops an exec
///   bit, adds and retargets symlinks, deletes a directory, turns a file into a directory, a directory
///   into a file, a symlink into a file, adds a submodule entry and turns a directory into one;
/// - `refs/cl/789` (branch `cl789`), from `v1`: its own few changes, none touching what main changed
///   since; branch `expected789` is main with cl789 merged in.
struct ChangeListRepository {
    let scratch: Scratch
    let repository: TestRepository

    var path: FilePath { repository.path }

    init() throws {
        scratch = try Scratch()
        repository = try TestRepository(in: scratch)
        let script = """
            set -e
            cd '\(repository.path)'
            git checkout -q -b cl456 main
            printf 'from cl 456\\n' > src/main.c
            mkdir -p added; printf 'added\\n' > added/new.txt
            git rm -q empty.txt
            mkdir -p data; git mv blob.bin data/blob.bin
            chmod -x run.sh
            ln -s src/main.c new-link
            rm link-to-main; ln -s run.sh link-to-main
            git rm -q -r new
            git rm -q src/lib/moved.h; mkdir -p src/lib/moved.h; printf 'part\\n' > src/lib/moved.h/part.h
            git rm -q -r 'odd dir'; printf 'now a file\\n' > 'odd dir'
            rm src/lib/up; printf 'was a link\\n' > src/lib/up
            git add -A
            git rm -q -r empty-later
            git update-index --add --cacheinfo "160000,$(git rev-parse v1),vendor/sub"
            git update-index --add --cacheinfo "160000,$(git rev-parse v1),empty-later"
            GIT_COMMITTER_DATE='2024-03-04T05:06:07Z' git commit -qm 'cl 456'
            git update-ref refs/cl/456 HEAD

            git checkout -q -b cl789 v1
            printf 'from cl 789\\n' > cl789.txt
            printf 'odd, changed by cl 789\\n' > 'odd dir/a+b#c d.txt'
            git rm -q run.sh
            git add -A; GIT_COMMITTER_DATE='2024-03-05T05:06:07Z' git commit -qm 'cl 789'
            git update-ref refs/cl/789 HEAD

            git checkout -q -b expected789 main
            git merge -q --no-edit cl789
            git checkout -q main
            """
        let result = shell(script + " 2>&1")
        guard result.status == 0 else {
            Issue.record("making the change lists failed: \(result.output)")
            throw Errno.ioError
        }
    }

    func commit(_ revision: String) -> String {
        String(shell("git -C '\(path)' rev-parse '\(revision)'").output.prefix(40))
    }
}

/// A kernel-driver union over a repository's revision, with a change-list layer, for one test.
final class ChangeListUnion {
    let mountpoint: FilePath
    private let base: InProcessBase
    private let union: AntaresFuse

    init(repository: FilePath, revision: String, changeList: FilePath, in scratch: Scratch) throws {
        let source = try GitTreeSource(repository: repository.string, revision: revision)
        let dicfuse = Dicfuse(source: source, store: try ContentStore(root: scratch.path.appending("store")))
        base = try InProcessBase(dicfuse, at: scratch.path.appending("base"))
        let layers = UnionLayers(
            upper: scratch.directory("upper"), work: scratch.directory("union-work"), lowers: [changeList, base.mountpoint])
        mountpoint = scratch.directory("mnt")
        union = try AntaresFuse(mountpoint: mountpoint, layers: layers, driver: .kernel)
        try union.mount()
    }

    func unmount() {
        do {
            try union.unmount(lazy: true)
            try base.unmount(lazy: true)
        } catch { Issue.record("unmounting \(mountpoint): \(error)") }
    }
}

/// Looks at layer and union directories.
enum ChangeListInspection {
    /// What `lstat` says of `path`, if it exists.
    static func status(of path: FilePath) -> stat? {
        var st = stat()
        return lstat(path.string, &st) == 0 ? st : nil
    }

    static func contents(of path: FilePath) -> String {
        shell("cat '\(path)'").output
    }

    static func permissions(of path: FilePath) -> mode_t? {
        status(of: path).map { $0.st_mode & 0o7777 }
    }

    static func kind(of path: FilePath) -> mode_t? {
        status(of: path).map { $0.st_mode & S_IFMT }
    }

    static func isWhiteout(_ path: FilePath) -> Bool {
        status(of: path).map(OverlayFormat.isWhiteout) ?? false
    }
}
