import Antares
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// What the work tree's layer holds when its changes are found from the index's stat data (as
/// `git status` finds them): exactly the changed, added, deleted and untracked paths, in the cases a
/// stat-based pass can get wrong. Each case also asks `git status` and expects the same answer.
struct ChangeListWorkTreeStatusTests {
    /// The layer's entries: path → "file CONTENT", "exec CONTENT", "link TARGET" or "whiteout".
    static func layer(of repository: TestRepository, excluding excluded: [FilePath] = []) throws -> [String: String] {
        let changes = try WorkingTreeChanges(repository: repository.path.string, excluding: excluded).changes().changes
        var result: [String: String] = [:]
        for entry in changes.entries {
            switch entry.content {
            case .copy(let source, let executable):
                result[entry.path.string] = (executable ? "exec " : "file ") + shell("cat '\(source)'").output
            case .file(let bytes, let executable):
                result[entry.path.string] = (executable ? "exec " : "file ") + String(decoding: bytes, as: UTF8.self)
            case .symlink(let target): result[entry.path.string] = "link \(target)"
            case .whiteout: result[entry.path.string] = "whiteout"
            case .directory: result[entry.path.string] = "directory"
            }
        }
        return result
    }

    /// The paths `git status` names (untracked files one by one, renames as two paths).
    static func gitStatus(of repository: TestRepository) -> Set<String> {
        let output = shell("git -C '\(repository.path)' status --porcelain=v1 -z -uall --no-renames").output
        return Set(output.split(separator: "\0").map { String($0.dropFirst(3)) })
    }

    static func run(_ script: String, in repository: TestRepository) throws {
        let result = shell("set -e; cd '\(repository.path)'; \(script) 2>&1")
        if result.status != 0 { Issue.record("the script failed: \(result.output)") }
        try #require(result.status == 0)
    }

    @Test func aSameSizeEditWithANewMtimeIsSeen() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        // Same size, and an mtime a second later than the index recorded (nothing else of the stat changes
        // but ctime, which core.trustCTime=false sets aside).
        try Self.run("""
            git config core.trustctime false; git update-index --refresh >/dev/null
            mtime=$(stat -c %Y src/main.c); printf 'CHANGED\\n' > src/main.c; touch -d "@$((mtime + 1))" src/main.c
            """, in: repository)
        #expect(try Self.layer(of: repository) == ["src/main.c": "file CHANGED\n"])
        #expect(Self.gitStatus(of: repository) == ["src/main.c"])
    }

    @Test func aRacilyCleanEntryIsComparedByContent() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        // The file's stat data matches its entry exactly (ctime set aside), but the index is no newer than
        // the file: git cannot tell a change made in the same tick, so it compares content.
        try Self.run("""
            git config core.trustctime false
            printf 'aaaa\\n' > racy.txt; touch -d '2020-01-01 00:00:00' racy.txt; git add racy.txt; git commit -qm racy
            touch -r racy.txt ref.tmp; printf 'bbbb\\n' > racy.txt; touch -r ref.tmp racy.txt; rm ref.tmp
            touch -d '2019-06-01' .git/index
            """, in: repository)
        #expect(try Self.layer(of: repository) == ["racy.txt": "file bbbb\n"])
        #expect(Self.gitStatus(of: repository) == ["racy.txt"])
    }

    @Test func aStatCleanEntryIsTrustedAsGitTrustsIt() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        // The same edit with an index newer than the file: the stat data vouches for it, for git and for us.
        try Self.run("""
            git config core.trustctime false
            printf 'aaaa\\n' > racy.txt; touch -d '2020-01-01 00:00:00' racy.txt; git add racy.txt; git commit -qm racy
            touch -r racy.txt ref.tmp; printf 'bbbb\\n' > racy.txt; touch -r ref.tmp racy.txt; rm ref.tmp
            """, in: repository)
        #expect(try Self.layer(of: repository) == [:])
        #expect(Self.gitStatus(of: repository) == [])
    }

    @Test func aSmudgedEntryIsComparedByContent() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        // git writes a racily clean entry with size 0; only the content can tell whether it changed.
        try Self.run("""
            printf 'same\\n' > smudged.txt; git add smudged.txt; git commit -qm smudged
            touch -d '+1 hour' smudged.txt; git update-index --refresh >/dev/null || true
            """, in: repository)
        #expect(try Self.layer(of: repository) == [:])
        try Self.run("printf 'SAME\\n' > smudged.txt; touch -d '+1 hour' smudged.txt", in: repository)
        #expect(try Self.layer(of: repository) == ["smudged.txt": "file SAME\n"])
        #expect(Self.gitStatus(of: repository) == ["smudged.txt"])
    }

    @Test func aModeMadeExecutableIsSeenFromTheModeAlone() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        try Self.run("git config core.trustctime false; chmod +x src/main.c; chmod -x run.sh", in: repository)
        #expect(try Self.layer(of: repository) == ["src/main.c": "exec changed\n", "run.sh": "file #!/bin/sh\necho hi\n"])
        #expect(Self.gitStatus(of: repository) == ["src/main.c", "run.sh"])
    }

    @Test func symlinksRetargetedAddedAndReplacingFiles() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        try Self.run("""
            rm link-to-main; ln -s src/main.h link-to-main
            rm empty.txt; ln -s run.sh empty.txt
            ln -s src new-link
            """, in: repository)
        #expect(try Self.layer(of: repository) == [
            "link-to-main": "link src/main.h", "empty.txt": "link run.sh", "new-link": "link src",
        ])
        #expect(Self.gitStatus(of: repository) == ["link-to-main", "empty.txt", "new-link"])
    }

    @Test func deletedFilesAndDirectoriesAndUntrackedDirectories() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        try Self.run("""
            rm blob.bin; rm -r new
            mkdir -p fresh/deeper/deepest; printf 'one\\n' > fresh/one; printf 'two\\n' > fresh/deeper/deepest/two
            mkdir -p empty-dir/inside
            """, in: repository)
        #expect(try Self.layer(of: repository) == [
            "blob.bin": "whiteout", "new": "whiteout", "fresh/one": "file one\n", "fresh/deeper/deepest/two": "file two\n",
        ])
        #expect(Self.gitStatus(of: repository) == ["blob.bin", "new/deep/er/file", "fresh/one", "fresh/deeper/deepest/two"])
    }

    @Test func ignoredFilesAndDirectoriesStayOut() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        // As Debian's kernel tree does: everything at the top ignored, tracked or not; and patterns below.
        try Self.run("""
            printf '/*\\n!/.gitignore\\n' > .gitignore; printf '*.o\\n' > src/.gitignore; git add -f .gitignore src/.gitignore
            git commit -qm ignore
            printf 'edited\\n' > src/main.c; printf 'untracked in an ignored tree\\n' > src/lib/new.h
            printf 'object\\n' > src/main.o; printf 'top\\n' > top.txt; mkdir build; printf 'x\\n' > build/out
            """, in: repository)
        #expect(try Self.layer(of: repository) == ["src/main.c": "file edited\n"])
        #expect(Self.gitStatus(of: repository) == ["src/main.c"])

        try Self.run("printf '*.o\\nbuild/\\n' > .gitignore", in: repository)
        #expect(try Self.layer(of: repository) == [
            ".gitignore": "file *.o\nbuild/\n", "src/main.c": "file edited\n", "src/lib/new.h": "file untracked in an ignored tree\n",
            "top.txt": "file top\n",
        ])
        #expect(Self.gitStatus(of: repository) == [".gitignore", "src/main.c", "src/lib/new.h", "top.txt"])
    }

    @Test func stagedChangesCountWhateverTheCacheTreeSays() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        // Staged then reverted in the work tree: the work tree is HEAD again, nothing to lay over.
        try Self.run("printf 'staged\\n' > src/main.c; git add src/main.c; printf 'changed\\n' > src/main.c", in: repository)
        #expect(try Self.layer(of: repository) == [:])
        // Staged and left: the work tree shows it. Removed from the index only: untracked, unchanged.
        try Self.run("printf 'staged\\n' > src/main.c; git add src/main.c; git rm -q --cached run.sh", in: repository)
        #expect(try Self.layer(of: repository) == ["src/main.c": "file staged\n"])
        // A new file staged, then deleted from the work tree: gone.
        try Self.run("printf 'n\\n' > docs.txt; git add docs.txt; rm docs.txt", in: repository)
        #expect(try Self.layer(of: repository) == ["src/main.c": "file staged\n"])
    }

    @Test("the same answer from an index of each version", arguments: ["2", "3", "4"])
    func everyIndexVersion(version: String) throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        try Self.run("""
            git update-index --index-version \(version)
            printf 'edited\\n' > src/lib/moved.h; rm -r 'odd dir'; printf 'u\\n' > untracked.txt
            printf 'i\\n' > intent.txt; git add -N intent.txt
            """, in: repository)
        #expect(try Self.layer(of: repository) == [
            "src/lib/moved.h": "file edited\n", "odd dir": "whiteout", "untracked.txt": "file u\n", "intent.txt": "file i\n",
        ])
    }

    @Test func aSplitIndexIsRefusedByName() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        try Self.run("git update-index --split-index; printf 'edited\\n' > src/main.c", in: repository)
        #expect {
            try Self.layer(of: repository)
        } throws: { error in
            "\(error)".contains("split index")
        }
    }

    @Test func excludedDirectoriesStayOutEvenInsideTheWorkTree() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        try Self.run("mkdir -p out/artifacts; printf 'layer\\n' > out/artifacts/run-1.tar.gz; printf 'kept\\n' > out/other", in: repository)
        let layer = try Self.layer(of: repository, excluding: [repository.path.appending("out/artifacts")])
        #expect(layer == ["out/other": "file kept\n"])
    }
}
