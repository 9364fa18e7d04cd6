import Foundation
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// git inside a job: the job's own `.git` names the base, shows what the job changed, and leaves the
/// host repository as it was.
@Suite("git in a job", .enabled(if: CLIDoctorTests.privileged, "needs root and /dev/fuse"))
struct CLIJobGitTests {
    /// A sandbox with a config and a test repository of two commits (the first tagged `v1.0`, annotated),
    /// and `scorpio` run from inside the repository.
    func withRepository(_ body: (ScorpioProcess, FilePath, FilePath) throws -> Void) throws {
        try withSandbox { scorpio, directory in
            try write("artifacts_dir = \"\(directory)/artifacts\"\n" + sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            chmod(directory.string, 0o755)
            let repository = try makeTestRepository(in: directory)
            defer { detachMounts(under: directory) }
            try #require(sh("""
                set -e; cd '\(repository)'; git -c user.name=t -c user.email=t@x tag -a v1.0 -m release
                echo more > src/more.txt; git add -A; git -c user.name=t -c user.email=t@x commit -qm two
                """).status == 0)
            try body(ScorpioProcess(executable: scorpio.executable, workingDirectory: repository), directory, repository)
            #expect(mounts(under: directory).isEmpty, "nothing stays mounted")
        }
    }

    func scorpio(_ process: ScorpioProcess, _ directory: FilePath, _ arguments: [String], driver: String? = nil) throws -> ScorpioRun {
        try process.run(["--config-path", "\(directory)/scorpio.toml"] + arguments, environment: driver.map { ["SCORPIO_UNION_DRIVER": $0] } ?? [:])
    }

    /// Every file of the host's `.git` with its type, size, mode, mtime and content digest.
    func snapshot(of repository: FilePath) -> String {
        sh("cd '\(repository)/.git' && find . -printf '%p %y %s %m %T@\\n' | sort && find . -type f -exec sha256sum {} + | sort").output
    }

    @Test func theJobsRepositoryIsTheBaseWithItsHistoryAndTags() throws {
        try withRepository { process, directory, repository in
            let head = sh("git -C '\(repository)' rev-parse HEAD").output
            let described = sh("git -C '\(repository)' describe").output
            #expect(described.hasPrefix("v1.0-1-g"))
            let result = try scorpio(process, directory, ["run", "--clean", "-q", "--", "sh", "-c", "git rev-parse HEAD; git describe; git log --format=%s; git status --porcelain"])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput == head + described + "two\none\n", "\(result.standardOutput)")
        }
    }

    @Test(arguments: ["fuse", "kernel"])
    func whatTheJobChangesShowsInStatusAndDiffButGitNeverInTheArtifact(driver: String) throws {
        try withRepository { process, directory, _ in
            let result = try scorpio(process, directory, [
                "run", "--clean", "-q", "--keep", "--job-id", "edits", "--", "sh", "-c",
                "echo added >> src/hello.txt && echo n > new.txt && git status --porcelain && git diff && "
                    + "git add -A && git -c user.name=j -c user.email=j@x commit -qm job && git status --porcelain",
            ], driver: driver)
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput.hasPrefix(" M src/hello.txt\n?? new.txt\ndiff --git a/src/hello.txt b/src/hello.txt\n"), "\(result.standardOutput)")
            #expect(result.standardOutput.contains("\n+added\n"))
            #expect(result.standardOutput.hasSuffix("+added\n"), "nothing changed after the commit: \(result.standardOutput)")
            let listing = sh("tar -tzf '\(directory)'/artifacts/edits.tar.gz").output
            #expect(listing.split(separator: "\n").sorted() == ["new.txt", "src/", "src/hello.txt"], "\(listing)")
            let diff = try scorpio(process, directory, ["diff", "edits"])
            #expect(diff.standardOutput == "A new.txt\nM src/hello.txt\n", "\(diff.standardOutput)")
            #expect(try scorpio(process, directory, ["umount", "edits"]).status == 0)
        }
    }

    @Test func theChangeListAndTheWorkTreesChangesShowInStatus() throws {
        try withRepository { process, directory, repository in
            #expect(sh("""
                set -e; cd '\(repository)'; git checkout -q -b cl; echo 'from cl' > src/hello.txt; git rm -q src/more.txt
                git -c user.name=t -c user.email=t@x commit -qam cl; git update-ref refs/cl/12 HEAD; git checkout -q main
                """).status == 0)
            let changeList = try scorpio(process, directory, ["run", "-q", "--cl", "12", "--", "git", "status", "--porcelain"])
            #expect(changeList.standardOutput == " M src/hello.txt\n D src/more.txt\n", "\(changeList.standardError)")
            try write("edited\n", to: repository.appending("src/hello.txt"))
            try write("untracked\n", to: repository.appending("untracked.txt"))
            let workTree = try scorpio(process, directory, ["run", "-q", "--", "git", "status", "--porcelain"])
            #expect(workTree.standardOutput == " M src/hello.txt\n?? untracked.txt\n", "\(workTree.standardError)")
        }
    }

    @Test func gitCommandsInJobsLeaveTheHostRepositoryAsItWas() throws {
        try withRepository { process, directory, repository in
            let before = snapshot(of: repository)
            // Writing an object the host has would refresh its file's mtime there (git "freshens" it).
            let changes = "git hash-object -w src/hello.txt >/dev/null"
                + " && git -c user.name=j -c user.email=j@x commit -q --allow-empty -m job && git tag job-tag && git branch job-branch"
                + " && git update-ref refs/heads/main HEAD~2 && git gc -q --prune=now && git reflog expire --expire=now --all && git repack -adq"
            let run = try scorpio(process, directory, ["run", "--clean", "-q", "--", "sh", "-c", changes + " && git log --format=%s -1"])
            #expect(run.status == 0 && run.standardOutput == "one\n", "\(run.standardError)")
            #expect(snapshot(of: repository) == before, "a sandboxed job changed nothing in the host's .git")

            // A mounted job is used from the host itself, outside any sandbox.
            let view = directory.appending("view")
            try #require(try scorpio(process, directory, ["mount", "outside", "--at", view.string]).status == 0)
            let outside = sh("cd '\(view)' && \(changes) && git log --format=%s -1")
            #expect(outside.status == 0 && outside.output == "one\n")
            #expect(sh("touch '\(view)'/.git/host-objects/pack/x 2>/dev/null").status != 0, "the host's objects are read-only in the job")
            #expect(try scorpio(process, directory, ["umount", "outside"]).status == 0)
            #expect(snapshot(of: repository) == before, "a mounted job changed nothing in the host's .git")
            #expect(sh("git -C '\(repository)' fsck --no-dangling 2>&1").status == 0)
        }
    }

    @Test func aKeptJobMountedAgainKeepsWhatGitDidInIt() throws {
        try withRepository { process, directory, _ in
            let view = directory.appending("view")
            try #require(try scorpio(process, directory, ["mount", "kept", "--at", view.string]).status == 0)
            #expect(sh("cd '\(view)' && echo x > job.txt && git add job.txt && git -c user.name=j -c user.email=j@x commit -qm job").status == 0)
            #expect(try scorpio(process, directory, ["umount", "kept", "--keep-upper"]).status == 0)
            try #require(try scorpio(process, directory, ["mount", "kept", "--at", view.string]).status == 0)
            #expect(sh("cd '\(view)' && git log --format=%s && git status --porcelain").output == "job\ntwo\none\n")
            #expect(try scorpio(process, directory, ["diff", "kept"]).standardOutput == "A job.txt\n")
            #expect(try scorpio(process, directory, ["umount", "kept"]).status == 0)
        }
    }

    @Test(arguments: ["fuse", "kernel"])
    func aBuildUserRunsGitInTheJob(driver: String) throws {
        try withRepository { process, directory, repository in
            let head = sh("git -C '\(repository)' rev-parse HEAD").output
            let result = try scorpio(process, directory, [
                "run", "--clean", "-q", "--user", "65534:65534", "--", "sh", "-c",
                "git rev-parse HEAD && git status --porcelain && echo x > new.txt && git status --porcelain",
            ], driver: driver)
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput == head + "?? new.txt\n")
            // The index is the build user's in their job, and still root's in a job of root's.
            let owners = [
                try scorpio(process, directory, ["run", "--clean", "-q", "--user", "65534:65534", "--", "stat", "-c", "%u:%g", ".git/index"], driver: driver),
                try scorpio(process, directory, ["run", "--clean", "-q", "--", "stat", "-c", "%u:%g", ".git/index"], driver: driver),
            ]
            #expect(owners.map(\.standardOutput) == ["65534:65534\n", "0:0\n"], "\(owners.map(\.standardError))")
        }
    }

    @Test func aJobOfASubdirectoryHasNoRepository() throws {
        try withRepository { process, directory, _ in
            let view = directory.appending("view")
            try #require(try scorpio(process, directory, ["mount", "sub", "--path", "src", "--at", view.string]).status == 0)
            #expect(access(view.appending("hello.txt").string, F_OK) == 0)
            #expect(access(view.appending(".git").string, F_OK) != 0)
            #expect(try scorpio(process, directory, ["umount", "sub"]).status == 0)
        }
    }
}
