import Antares
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// Callers other than the mount's owner, with each driver: every user gets in, and Linux's permission
/// and ownership rules hold (as kernel overlayfs applies them).
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"), .serialized)
struct UnionCallerTests {
    /// A union whose scratch directory other users may traverse.
    private func openUnion(_ driver: UnionDriverKind) throws -> UnionFixture {
        let union = try UnionFixture(driver: driver)
        chmod(union.scratch.path.string, 0o755)
        return union
    }

    /// Runs `command` in the union as `uid:gid` (no supplementary groups); returns status and output.
    private func run(_ union: UnionFixture, as user: String, _ command: String) -> (status: Int32, output: String) {
        let ids = user.split(separator: ":")
        return shell("cd '\(union.mountpoint)' && setpriv --reuid=\(ids[0]) --regid=\(ids[1]) --clear-groups sh -c '\(command)' 2>&1")
    }

    @Test(arguments: TestedDrivers.all)
    func anotherUserReadsButCannotChangeWhatIsNotTheirs(driver: UnionDriverKind) throws {
        let union = try openUnion(driver)
        #expect(run(union, as: "65534:65534", "ls -a . >/dev/null && cat src/main.c").output == "changed\n")
        #expect(run(union, as: "65534:65534", "echo x >> src/main.c").status != 0, "a file of root's, mode 644")
        #expect(run(union, as: "65534:65534", "touch src/new").status != 0, "a directory of root's, mode 755")
        #expect(run(union, as: "65534:65534", "chmod 777 run.sh").status != 0, "chmod by a non-owner")
        #expect(run(union, as: "65534:65534", "rm empty.txt").status != 0)
        #expect(union.run("cat src/main.c") == "changed\n")
        #expect(union.status("src/new") == nil && union.status("empty.txt") != nil)
    }

    @Test(arguments: TestedDrivers.all)
    func newEntriesBelongToTheCallerAndASetGroupIDDirectorysGroup(driver: UnionDriverKind) throws {
        let union = try openUnion(driver)
        union.run("mkdir open shared && chmod 777 open && chown 0:4321 shared && chmod 2777 shared")
        #expect(run(union, as: "65534:65534", "echo a > open/file && mkdir open/dir && ln -s file open/link && mkfifo open/fifo").status == 0)
        for name in ["open/file", "open/dir", "open/link", "open/fifo"] {
            let st = try #require(union.status(name))
            #expect(st.st_uid == 65534 && st.st_gid == 65534, "\(name) is the caller's")
        }
        #expect(run(union, as: "65534:65534", "echo a > shared/file && mkdir shared/dir").status == 0)
        let file = try #require(union.status("shared/file")), directory = try #require(union.status("shared/dir"))
        #expect(file.st_uid == 65534 && file.st_gid == 4321, "the set-group-ID directory's group")
        #expect(directory.st_gid == 4321 && directory.st_mode & S_ISGID != 0, "a directory made there is set-group-ID too")
    }

    @Test(arguments: TestedDrivers.all)
    func stickyDirectoriesKeepOtherUsersEntries(driver: UnionDriverKind) throws {
        let union = try openUnion(driver)
        union.run("mkdir pub && chmod 1777 pub && echo theirs > pub/other && chown 1000:1000 pub/other")
        #expect(run(union, as: "65534:65534", "echo mine > pub/mine && rm pub/mine").status == 0)
        #expect(run(union, as: "65534:65534", "rm -f pub/other").status != 0)
        #expect(run(union, as: "65534:65534", "mv pub/other pub/taken").status != 0)
        #expect(union.run("cat pub/other") == "theirs\n")
    }

    @Test(arguments: TestedDrivers.all)
    func setIDBitsAreClearedOnWriteAndOnChown(driver: UnionDriverKind) throws {
        let union = try openUnion(driver)
        union.run("echo x > tool && chmod 6777 tool && echo y > owned && chmod 4755 owned")
        #expect(run(union, as: "65534:65534", "echo more >> tool").status == 0)
        #expect(union.status("tool")!.st_mode & (S_ISUID | S_ISGID) == 0, "a write by another user clears both")
        union.run("chown 1000 owned")
        #expect(union.status("owned")!.st_mode & S_ISUID == 0, "chown clears set-user-ID")
        #expect(union.status("owned")!.st_uid == 1000)
    }

    @Test(arguments: TestedDrivers.all)
    func theOwnerMayChangeModesAndTimesOfTheirOwnEntries(driver: UnionDriverKind) throws {
        let union = try openUnion(driver)
        union.run("echo a > theirs && chown 65534:65534 theirs")
        #expect(run(union, as: "65534:65534", "chmod 600 theirs && touch -d 2001-02-03T04:05:06Z theirs").status == 0)
        let st = try #require(union.status("theirs"))
        #expect(st.st_mode & 0o777 == 0o600 && st.st_mtim.tv_sec == 981_173_106)
        #expect(run(union, as: "65534:65534", "echo b >> theirs").status == 0)
        #expect(run(union, as: "65534:65534", "chown 0 theirs").status != 0, "giving a file away needs privilege")
    }
}
