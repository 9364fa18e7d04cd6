import Dicfuse
import FuseKit
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct GitMountTests {
    @Test(arguments: ["main", "v1"])
    func mountedRevisionEqualsGitArchive(revision: String) throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        let expected = snapshot(try repository.archive(revision, into: scratch))
        let store = try ContentStore(root: scratch.path.appending("store"))
        let dicfuse = Dicfuse(source: try GitTreeSource(repository: repository.path.string, revision: revision), store: store)
        let mountpoint = scratch.directory("mnt")
        let mount = try dicfuse.mount(at: mountpoint)
        defer { try? mount.unmount(lazy: true) }
        let mounted = snapshot(mountpoint)
        #expect(mounted.keys.sorted() == expected.keys.sorted())
        for (path, description) in expected {
            #expect(mounted[path] == description, "\(path)")
        }
        // A base answers over io_uring wherever the kernel offers it (scripts/setup turns that on).
        if FuseMount.kernelOffersRequestRing {
            #expect(mount.servesOverRing)
            #expect(mount.requestsOverRing > UInt64(expected.count))
        }
    }

    @Test func bareRepositoryAndSubdirectoryRoot() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch, bare: true)
        let expected = snapshot(try repository.archive("main", into: scratch, subdirectory: "src"))
        let source = try GitTreeSource(repository: repository.path.string, revision: "main", subdirectory: "src")
        let dicfuse = Dicfuse(source: source, store: try ContentStore(root: scratch.path.appending("store")))
        let mountpoint = scratch.directory("mnt")
        let mount = try dicfuse.mount(at: mountpoint)
        defer { try? mount.unmount(lazy: true) }
        #expect(snapshot(mountpoint) == expected)
    }

    @Test func entriesCarryTheCommitTimeAndStableInodes() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        let dicfuse = Dicfuse(source: try GitTreeSource(repository: repository.path.string, revision: "v1"), store: try ContentStore(root: scratch.path.appending("store")))
        let mountpoint = scratch.directory("mnt")
        let mount = try dicfuse.mount(at: mountpoint)
        defer { try? mount.unmount(lazy: true) }
        var first = stat()
        #expect(stat(mountpoint.appending("src/main.c").string, &first) == 0)
        #expect(first.st_mtim.tv_sec == 1_704_164_645)  // 2024-01-02T03:04:05Z
        #expect(first.st_uid == geteuid())
        _ = shell("find '\(mountpoint)' > /dev/null")
        var again = stat()
        #expect(stat(mountpoint.appending("src/main.c").string, &again) == 0)
        #expect(again.st_ino == first.st_ino)
    }

    /// Git records no owners, times or permission bits beyond the executable one: entries keep uniform
    /// attributes whatever a directory source serves.
    @Test func gitEntriesReportUniformModesTheCommitTimeAndTheConfiguredOwner() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        var options = DicfuseOptions()
        options.uid = 1234
        options.gid = 5678
        let dicfuse = Dicfuse(source: try GitTreeSource(repository: repository.path.string, revision: "v1"), store: try ContentStore(root: scratch.path.appending("store")), options: options)
        let mountpoint = scratch.directory("mnt")
        let mount = try dicfuse.mount(at: mountpoint)
        defer { try? mount.unmount(lazy: true) }
        let expected: [(String, mode_t, nlink_t)] = [
            ("src/main.c", S_IFREG | 0o644, 1), ("run.sh", S_IFREG | 0o755, 1), ("link-to-main", S_IFLNK | 0o777, 1),
            ("src", S_IFDIR | 0o755, 2), ("", S_IFDIR | 0o755, 2),
        ]
        for (path, mode, links) in expected {
            var st = stat()
            #expect(lstat(mountpoint.appending(path).string, &st) == 0, "\(path)")
            #expect(st.st_mode == mode && st.st_nlink == links, "\(path)")
            #expect(st.st_mtim.tv_sec == 1_704_164_645 && st.st_mtim.tv_nsec == 0, "\(path): the commit time")
            #expect(st.st_uid == 1234 && st.st_gid == 5678, "\(path)")
        }
    }

    @Test func aDirectoryNeverListedIsNeverLoaded() throws {
        let base = try MountedBase()
        #expect(base.dicfuse.statistics.directoriesLoaded == 0)
        #expect(access(base.mountpoint.appending("src/main.c").string, F_OK) == 0)
        #expect(base.dicfuse.statistics.directoriesLoaded == 2, "the root and src, not src/lib, docs or new")
        _ = shell("cat '\(base.mountpoint)/new/deep/er/file'")
        #expect(base.dicfuse.statistics.directoriesLoaded == 5)
        #expect(base.dicfuse.statistics.store.fetched == 1)
    }

    @Test func prefetchListsSubdirectoriesAheadInTheBackground() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        var options = DicfuseOptions()
        options.prefetchDepth = 2
        let dicfuse = Dicfuse(source: try GitTreeSource(repository: repository.path.string), store: try ContentStore(root: scratch.path.appending("store")), options: options)
        let mountpoint = scratch.directory("mnt")
        let mount = try dicfuse.mount(at: mountpoint)
        defer { try? mount.unmount(lazy: true) }
        #expect(access(mountpoint.appending("run.sh").string, F_OK) == 0)
        // Below the root: src, empty-later, new, odd dir (level 1); src/lib, new/deep (level 2);
        // new/deep/er is level 3 and stays unlisted until looked at.
        var waited = 0
        while dicfuse.statistics.directoriesLoaded < 7 && waited < 500 {
            usleep(10_000)
            waited += 1
        }
        usleep(100_000)
        #expect(dicfuse.statistics.directoriesLoaded == 7)
        #expect(snapshot(mountpoint) == snapshot(try repository.archive("main", into: scratch)))
    }

    @Test func theKernelCachesAbsorbRepeatedReadsListingsAndOpens() throws {
        let base = try MountedBase()
        let walk = "find '\(base.mountpoint)' -printf '%s %m\\n' > /dev/null; cat '\(base.mountpoint)/blob.bin' '\(base.mountpoint)/src/main.c' > /dev/null"
        #expect(shell(walk).status == 0)
        // statfs is never cached by the kernel (find asks it once per run); everything else must be.
        let first = base.mount.requests.snapshot.filter { $0.key != .statfs }
        #expect(first[.read, default: 0] > 0)
        #expect(first[.open, default: 0] <= 1, "open is answered ENOSYS once, then never sent")
        #expect(first[.opendir, default: 0] <= 1, "opendir likewise")
        let repeated = repeatingSettles({ _ = shell(walk) }, observed: { base.mount.requests.snapshot.filter { $0.key != .statfs } })
        #expect(repeated.settled, "page cache, directory cache, entries and attributes all held: \(first) then \(repeated.last)")
        #expect(first[.flush, default: 0] <= 1, "flush is answered ENOSYS once, then never sent")
        #expect(first[.release] == nil && first[.releasedir] == nil, "nothing opened, nothing released")
    }

    @Test func aMissingNameIsAskedForOnce() throws {
        let base = try MountedBase()
        let probe = "for i in 1 2 3; do test ! -e '\(base.mountpoint)/src/missing.h'; done"
        #expect(shell(probe).status == 0)
        let lookups = base.mount.requests.snapshot[.lookup, default: 0]
        #expect(lookups <= 2, "src once and missing.h once: the three tests share the negative entry")
        let repeated = repeatingSettles({ _ = shell(probe) }, observed: { base.mount.requests.snapshot[.lookup, default: 0] })
        #expect(repeated.settled, "the kernel keeps the negative entry: a base never gains names")
    }

    @Test func twoMountsOfOneInstanceShareOneBlobFetch() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        let store = try ContentStore(root: scratch.path.appending("store"))
        let dicfuse = Dicfuse(source: try GitTreeSource(repository: repository.path.string), store: store)
        let first = try dicfuse.mount(at: scratch.directory("a"))
        defer { try? first.unmount(lazy: true) }
        let second = try dicfuse.mount(at: scratch.directory("b"))
        defer { try? second.unmount(lazy: true) }
        let a = shell("sha256sum < '\(scratch.path)/a/blob.bin'").output
        let b = shell("sha256sum < '\(scratch.path)/b/blob.bin'").output
        #expect(a == b && !a.isEmpty)
        #expect(store.counts.fetched == 1)
        #expect(store.counts.fetchedBytes == 1_048_577)
    }

    @Test func concurrentFirstReadsOfOneBlobFetchItOnce() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        let store = try ContentStore(root: scratch.path.appending("store"))
        let dicfuse = Dicfuse(source: try GitTreeSource(repository: repository.path.string), store: store)
        let mounts = try (0..<4).map { try dicfuse.mount(at: scratch.directory("m\($0)")) }
        defer { mounts.forEach { try? $0.unmount(lazy: true) } }
        let expected = shell("git -C '\(repository.path)' cat-file blob HEAD:blob.bin | sha256sum").output
        let sums = shell("for m in 0 1 2 3; do sha256sum < '\(scratch.path)'/m$m/blob.bin & done; wait").output
        #expect(sums.split(separator: "\n").map(String.init) == Array(repeating: String(expected.dropLast()), count: 4))
        #expect(store.counts.fetched == 1)
    }

    @Test func submoduleIsAnEmptyDirectory() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        let commit = shell("git -C '\(repository.path)' rev-parse HEAD").output.split(separator: "\n")[0]
        #expect(shell("cd '\(repository.path)' && git update-index --add --cacheinfo 160000,\(commit),vendor/sub && git commit -qm sub").status == 0)
        let dicfuse = Dicfuse(source: try GitTreeSource(repository: repository.path.string), store: try ContentStore(root: scratch.path.appending("store")))
        let mountpoint = scratch.directory("mnt")
        let mount = try dicfuse.mount(at: mountpoint)
        defer { try? mount.unmount(lazy: true) }
        var st = stat()
        #expect(stat(mountpoint.appending("vendor/sub").string, &st) == 0)
        #expect(st.st_mode & S_IFMT == S_IFDIR)
        #expect(shell("ls -A '\(mountpoint)/vendor/sub'").output.isEmpty)
    }

    @Test func theMountIsReadOnly() throws {
        let base = try MountedBase()
        #expect(open(base.mountpoint.appending("src/main.c").string, O_WRONLY) == -1 && errno == EROFS)
        #expect(mkdir(base.mountpoint.appending("x").string, 0o755) == -1 && errno == EROFS)
    }
}

struct GitSourceErrorTests {
    @Test func unknownRevisionIsNamed() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        let error = #expect(throws: SourceError.self) {
            try GitTreeSource(repository: repository.path.string, revision: "no-such-branch")
        }
        #expect(error?.description.contains("'no-such-branch' not found in \(repository.path)/.git") == true)
    }

    @Test func missingRepositoryIsNamed() throws {
        let error = #expect(throws: SourceError.self) { try GitTreeSource(repository: "/tmp/no/such/repo") }
        #expect(error?.description.contains("/tmp/no/such/repo") == true)
    }

    @Test func pathOutsideTheTreeIsNamed() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        let error = #expect(throws: SourceError.self) {
            try GitTreeSource(repository: repository.path.string, revision: "main", subdirectory: "no/such/dir")
        }
        #expect(error?.description.contains("no/such/dir") == true)
        #expect(throws: SourceError.notADirectory("run.sh")) {
            try GitTreeSource(repository: repository.path.string, revision: "main", subdirectory: "run.sh")
        }
    }

    @Test func shortIdsAndExpressionsResolve() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        let full = String(shell("git -C '\(repository.path)' rev-parse main~1").output.prefix(40))
        let bySha = try GitTreeSource(repository: repository.path.string, revision: String(full.prefix(8)))
        let byExpression = try GitTreeSource(repository: repository.path.string, revision: "main~1")
        let byTag = try GitTreeSource(repository: repository.path.string, revision: "v1")
        #expect(bySha.revision.id.hex == full)
        #expect(byExpression.revision.id == bySha.revision.id)
        #expect(byTag.revision.id == bySha.revision.id)
    }
}

/// A test repository's `main` served by Dicfuse at a scratch mountpoint, unmounted when released.
final class MountedBase {
    let scratch: Scratch
    let repository: TestRepository
    let dicfuse: Dicfuse
    let mountpoint: FilePath
    let mount: FuseMount

    init() throws {
        scratch = try Scratch()
        repository = try TestRepository(in: scratch)
        dicfuse = Dicfuse(source: try GitTreeSource(repository: repository.path.string), store: try ContentStore(root: scratch.path.appending("store")))
        mountpoint = scratch.directory("mnt")
        mount = try dicfuse.mount(at: mountpoint)
    }

    deinit { try? mount.unmount(lazy: true) }
}
