import Antares
import Dicfuse
import FuseKit
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// A manager whose jobs get their own `.git` (the test repository at `main`), with the content store
/// of their base at hand to count what was read.
private final class GitJobFixture {
    let scratch: Scratch
    let repository: TestRepository
    let store: ContentStore
    let manager: AntaresManager
    let indexCache: FilePath
    let layerCache: FilePath

    init(driver: UnionDriverKind) throws {
        scratch = try Scratch()
        repository = try TestRepository(in: scratch)
        let paths = AntaresPaths(
            upperRoot: scratch.path.appending("upper"), changeListRoot: scratch.path.appending("cl"),
            mountRoot: scratch.path.appending("mnt"), stateFile: scratch.path.appending("state.toml"))
        let repositoryPath = repository.path
        let store = try ContentStore(root: scratch.path.appending("store"))
        let baseRoot = scratch.path.appending("bases")
        let indexCache = scratch.path.appending("indexes")
        let layerCache = scratch.path.appending("git-layers")
        self.store = store
        self.indexCache = indexCache
        self.layerCache = layerCache
        manager = AntaresManager(
            paths: paths, driver: driver,
            leaseBase: { job, spec throws(ManagerError) in
                let source: GitTreeSource
                do throws(SourceError) { source = try GitTreeSource(repository: repositoryPath.string) } catch { throw .base(error) }
                do throws(AntaresError) { return try InProcessBase(Dicfuse(source: source, store: store), at: baseRoot.appending(job.rawValue)) } catch {
                    throw .union(error)
                }
            },
            buildChangeList: { spec, directory throws(ManagerError) in
                guard shell("mkdir -p '\(directory)/src' && echo 'cl \(spec.cl ?? "")' > '\(directory)/src/main.c'").status == 0 else {
                    throw .changeList(spec.cl ?? "", reason: "cannot write the test layer")
                }
            },
            repositoryOrigin: { _, lease in
                guard let base = lease as? InProcessBase else { return nil }
                return JobRepositoryOrigin(repository: repositoryPath, commit: base.dicfuse.source.revision.id.hex, indexCache: indexCache,
                    layerCache: layerCache)
            })
    }

    func git(_ mountpoint: String, _ arguments: String) -> (status: Int32, output: String) {
        shell("git -C '\(mountpoint)' \(arguments)")
    }

    deinit {
        manager.unmountAll(keepUpper: false)
        for mount in MountTable.entries().reversed() where mount.mountpoint.string.hasPrefix(scratch.path.string) {
            try? MountTable.unmount(mount.mountpoint, lazy: true)
        }
    }
}

@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"), .serialized)
struct JobGitDirectoryTests {
    static let drivers: [UnionDriverKind] = [.fuse, .kernel]

    @Test(arguments: drivers)
    func aJobsRepositoryIsTheBaseCommitAndItsCleanStatusReadsNoFile(driver: UnionDriverKind) throws {
        let fixture = try GitJobFixture(driver: driver)
        let record = try fixture.manager.mountJob(JobID.validated("clean"))
        let main = shell("git -C '\(fixture.repository.path)' rev-parse main").output
        #expect(fixture.git(record.mountpoint, "rev-parse HEAD").output == main)
        #expect(fixture.git(record.mountpoint, "symbolic-ref HEAD").output == "refs/heads/main\n", "the host's branch, at the base commit")
        #expect(fixture.git(record.mountpoint, "describe --tags").output.hasPrefix("v1-1-g"))
        let status = fixture.git(record.mountpoint, "status --porcelain")
        #expect(status.status == 0 && status.output.isEmpty, "\(status.output)")
        #expect(fixture.store.counts.fetched == 0, "stat data alone showed every file unchanged")
        #expect(fixture.git(record.mountpoint, "config core.checkStat").output == "minimal\n")
    }

    @Test(arguments: drivers)
    func anEditAndTheChangeListShowInStatusAndDiff(driver: UnionDriverKind) throws {
        let fixture = try GitJobFixture(driver: driver)
        let record = try fixture.manager.mountJob(JobID.validated("edits"), spec: JobSpec(cl: "7"))
        #expect(fixture.git(record.mountpoint, "status --porcelain").output == " M src/main.c\n")
        #expect(shell("cd '\(record.mountpoint)' && echo more >> run.sh && rm empty.txt && echo n > new.txt").status == 0)
        #expect(fixture.git(record.mountpoint, "status --porcelain").output == " D empty.txt\n M run.sh\n M src/main.c\n?? new.txt\n")
        #expect(fixture.git(record.mountpoint, "diff src/main.c").output.contains("+cl 7"))
        try fixture.manager.changeChangeList(JobID.validated("edits"), to: nil)
        #expect(fixture.git(record.mountpoint, "status --porcelain").output == " D empty.txt\n M run.sh\n?? new.txt\n", "the job's .git stays over a new change list")
    }

    @Test(arguments: drivers)
    func theHostsObjectsAreReadOnlyInTheJobAndUnboundWithIt(driver: UnionDriverKind) throws {
        let fixture = try GitJobFixture(driver: driver)
        let record = try fixture.manager.mountJob(JobID.validated("objects"))
        let bound = MountTable.entries().filter { $0.mountpoint.string == "\(record.mountpoint)/.git/host-objects" }
        #expect(bound.count == 1)
        #expect(shell("touch '\(record.mountpoint)/.git/host-objects/x' 2>&1").output.contains("Read-only file system"))
        let commit = fixture.git(record.mountpoint, "-c user.name=t -c user.email=t@x commit -q --allow-empty -m job")
        #expect(commit.status == 0)
        #expect(fixture.git(record.mountpoint, "log --format=%s -1").output == "job\n")
        #expect(shell("git -C '\(fixture.repository.path)' log --format=%s -1").output == "two\n")
        try fixture.manager.unmountJob(JobID.validated("objects"))
        #expect(MountTable.entries().filter { $0.mountpoint.string.hasPrefix(fixture.scratch.path.string) }.isEmpty)
    }

    @Test func jobsOverTheSameRepositoryStateShareOneGitLayerThatTheirWritesLeaveAlone() throws {
        let fixture = try GitJobFixture(driver: .kernel)
        let first = try fixture.manager.mountJob(JobID.validated("first"))
        let second = try fixture.manager.mountJob(JobID.validated("second"))
        let layers = { shell("ls '\(fixture.layerCache)'").output.split(separator: "\n").map(String.init) }
        #expect(layers().count == 1, "\(layers())")
        let committed = fixture.git(first.mountpoint, "-c user.name=t -c user.email=t@x commit -q --allow-empty -m first-job")
        #expect(committed.status == 0)
        #expect(fixture.git(second.mountpoint, "log --format=%s -1").output == "two\n", "the first job's commit is its own")
        #expect(shell("cat '\(fixture.layerCache)'/*/.git/packed-refs").output.contains("refs/heads/main"))
        #expect(!shell("cat '\(fixture.layerCache)'/*/.git/HEAD '\(fixture.layerCache)'/*/.git/packed-refs").output.contains(
            fixture.git(first.mountpoint, "rev-parse HEAD").output.dropLast()))

        #expect(shell("git -C '\(fixture.repository.path)' branch feature main").status == 0)
        let third = try fixture.manager.mountJob(JobID.validated("third"))
        #expect(layers().count == 2, "a new host ref makes a new layer")
        #expect(fixture.git(third.mountpoint, "branch --list feature").output.contains("feature"))
        #expect(!fixture.git(second.mountpoint, "branch --list feature").output.contains("feature"))
        for job in ["first", "second", "third"] { try fixture.manager.unmountJob(JobID.validated(job)) }
        #expect(layers().count == 2, "layers stay for later jobs until a new one is made")
    }

    /// The job's refs are the host's branches, tags and remote-tracking refs as git itself reads them: a
    /// loose ref over the packed one of its name, symbolic refs kept symbolic, ids in either case, a
    /// `packed-refs` in any order; other namespaces, lock files and broken refs left out.
    @Test(arguments: [false, true])
    func theJobsRefsAreTheHostsAsGitReadsThem(packedOutOfOrder: Bool) throws {
        let fixture = try GitJobFixture(driver: .kernel)
        let refs = "\(fixture.repository.path)/.git/refs"
        let setup = """
            set -e
            cd '\(fixture.repository.path)'
            git tag -a -m annotated annotated main~1
            git branch feature/deep main~1
            git branch moved main~1
            git update-ref refs/remotes/origin/main main~1
            git update-ref refs/notes/commits main
            git update-ref refs/pull/1/head main
            git pack-refs --all
            \(packedOutOfOrder ? "grep -v '^[#^]' .git/packed-refs | sort -r > .git/reordered && mv .git/reordered .git/packed-refs" : "")
            git update-ref refs/heads/moved main
            git branch loose main
            git branch nested/loose main~1
            git update-ref refs/pull/2/head main
            git symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/main
            echo garbage > '\(refs)/heads/broken'
            git rev-parse main | tr a-f A-F > '\(refs)/heads/upper-case-id'
            cp '\(refs)/heads/loose' '\(refs)/heads/locked.lock'
            """
        try #require(shell(setup).status == 0)
        let listing = "for-each-ref --format='%(objectname) %(refname) %(symref)'"
        let host = shell("git -C '\(fixture.repository.path)' \(listing) refs/heads refs/tags refs/remotes 2>/dev/null").output
        for ref in ["refs/heads/moved ", "refs/heads/nested/loose ", "refs/heads/upper-case-id ", "refs/remotes/origin/HEAD refs/remotes/origin/main"] {
            #expect(host.contains(ref), "\(host)")
        }
        #expect(!host.contains("broken") && !host.contains("locked"), "git itself skips them: \(host)")

        let record = try fixture.manager.mountJob(JobID.validated("refs"))
        #expect(fixture.git(record.mountpoint, listing).output == host)
        #expect(fixture.git(record.mountpoint, "rev-parse moved").output == fixture.git(record.mountpoint, "rev-parse main").output,
            "the loose ref, not the packed one")
        #expect(fixture.git(record.mountpoint, "cat-file -t annotated").output == "tag\n")
        #expect(fixture.git(record.mountpoint, "describe --tags main~1").output == "annotated\n")
        let packed = shell("grep -v '^#' '\(record.mountpoint)/.git/packed-refs' | cut -d' ' -f2").output
        #expect(packed == shell("grep -v '^#' '\(record.mountpoint)/.git/packed-refs' | cut -d' ' -f2 | LC_ALL=C sort").output, "sorted by name")
        for left in ["locked", "broken", "refs/notes", "refs/pull", "origin/HEAD"] { #expect(!packed.contains(left), "\(packed)") }
        try fixture.manager.unmountJob(JobID.validated("refs"))
    }

    /// Each new layer prunes those no job holds: a job holds its layer for as long as its process lives
    /// (a lock the kernel drops when the holder dies, SIGKILL included).
    @Test func aNewLayerPrunesTheLayersNoLiveJobHolds() throws {
        let fixture = try GitJobFixture(driver: .kernel)
        let layers = { Set(shell("ls '\(fixture.layerCache)'").output.split(separator: "\n").map(String.init)) }
        let holds = fixture.layerCache.appending(".holds")
        _ = try fixture.manager.mountJob(JobID.validated("first"))
        let first = try #require(layers().first)
        // Another process holds the first layer (as a job's server does), then the first job ends.
        let holder = shell("flock -s -o '\(holds)/\(first)' sleep 120 > /dev/null 2>&1 & echo $!").output.trimmingCharacters(in: .whitespacesAndNewlines)
        for _ in 0..<200 where shell("flock -n -x '\(holds)/\(first)' true").status == 0 { usleep(10_000) }
        #expect(shell("flock -n -x '\(holds)/\(first)' true").status != 0, "the other process holds the layer")
        try fixture.manager.unmountJob(JobID.validated("first"))

        #expect(shell("git -C '\(fixture.repository.path)' branch one main").status == 0)
        let second = try fixture.manager.mountJob(JobID.validated("second"))
        let afterSecond = layers()
        #expect(afterSecond.count == 2 && afterSecond.contains(first), "a held layer stays: \(afterSecond)")
        let secondLayer = try #require(afterSecond.subtracting([first]).first)

        // The holder is killed; a stale record still names its layer.
        #expect(shell("pkill -P \(holder); kill -9 \(holder)").status == 0)
        #expect(shell("mkdir -p '\(fixture.layerCache)/.host-states' && ln -s \(first) '\(fixture.layerCache)/.host-states/stale' && touch '\(holds)/never-made'").status == 0)
        #expect(shell("ls -A '\(fixture.layerCache)/.host-states' '\(holds)'").output.contains("stale"))
        // What a pruner and a job making a layer left when they died, and what a live pruner is removing.
        let ended = Int(try String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))! + 1
        let leftovers = [".pruned-\(first)-\(ended)-7", ".\(first).\(ended).9"], live = ".pruned-\(first)-\(getpid())-8"
        for name in leftovers + [live] { #expect(shell("mkdir -p '\(fixture.layerCache)/\(name)/.git'").status == 0) }
        #expect(shell("git -C '\(fixture.repository.path)' branch two main").status == 0)
        let third = try fixture.manager.mountJob(JobID.validated("third"))
        let afterThird = layers()
        let thirdLayer = try #require(afterThird.subtracting([secondLayer]).first)
        #expect(afterThird.count == 2 && afterThird.contains(secondLayer) && !afterThird.contains(first),
            "the killed holder's layer is pruned, the mounted job's stays: \(afterThird)")
        #expect(shell("test -e '\(holds)/\(first)' || test -L '\(fixture.layerCache)/.host-states/stale'").status != 0,
            "its hold file and the record naming it go with it")
        #expect(shell("ls '\(holds)'").output.split(separator: "\n").sorted() == [secondLayer, thirdLayer].sorted().map { Substring($0) },
            "a hold file whose layer was never made goes too")
        #expect(shell("ls -A '\(fixture.layerCache)' | grep '^\\.[.p0-9a-f]'").output == "\(live)\n", "an ended process's leftovers go")
        let status = fixture.git(second.mountpoint, "status --porcelain")
        #expect(status.status == 0 && status.output == "", "the job on the older layer reads it still")
        #expect(fixture.git(third.mountpoint, "branch --list two").output.contains("two"))
        for job in ["second", "third"] { try fixture.manager.unmountJob(JobID.validated(job)) }
    }

    /// A later job takes the layer recorded under the host repository's state without reading its refs
    /// again, until that state changes; a state changed in the last two seconds is not recorded.
    @Test func aLayerIsTakenAgainByTheHostRepositorysStateUntilItChanges() throws {
        let fixture = try GitJobFixture(driver: .kernel)
        let states = fixture.layerCache.appending(".host-states")
        let records = { shell("ls '\(states)'").output.split(separator: "\n").map(String.init) }
        _ = try fixture.manager.mountJob(JobID.validated("first"))
        #expect(records().isEmpty, "the repository was just made: its state is not recorded")
        usleep(2_200_000)
        _ = try fixture.manager.mountJob(JobID.validated("second"))
        let recorded = records()
        try #require(recorded.count == 1, "the settled state is recorded")
        let layer = shell("readlink '\(states)/\(recorded[0])'").output.trimmingCharacters(in: .whitespacesAndNewlines)

        // Pointed at another layer, the record is what the next job gets: its refs are not read again.
        let marked = fixture.layerCache.appending("marked")
        #expect(shell("cp -a '\(fixture.layerCache)/\(layer)' '\(marked)' && echo marked > '\(marked)/.git/description' && ln -sfn marked '\(states)/\(recorded[0])'").status == 0)
        let third = try fixture.manager.mountJob(JobID.validated("third"))
        #expect(shell("cat '\(third.mountpoint)/.git/description'").output == "marked\n")

        // A ref of the host changes: another state, whose refs are read.
        #expect(shell("git -C '\(fixture.repository.path)' branch zz main~1 && git -C '\(fixture.repository.path)' tag aa main").status == 0)
        let fourth = try fixture.manager.mountJob(JobID.validated("fourth"))
        #expect(shell("cat '\(fourth.mountpoint)/.git/description'").output != "marked\n")
        #expect(fixture.git(fourth.mountpoint, "for-each-ref --format='%(refname)'").output == "refs/heads/main\nrefs/heads/zz\nrefs/tags/aa\nrefs/tags/v1\n")
        let names = shell("grep -v '^#' '\(fourth.mountpoint)/.git/packed-refs' | cut -d' ' -f2").output
        #expect(names == "refs/heads/main\nrefs/heads/zz\nrefs/tags/aa\nrefs/tags/v1\n", "packed-refs is sorted by name")
        for job in ["first", "second", "third", "fourth"] { try fixture.manager.unmountJob(JobID.validated(job)) }
    }

    @Test func theIndexIsBuiltOncePerCommitAndTrustedByGit() throws {
        let fixture = try GitJobFixture(driver: .kernel)
        let first = try fixture.manager.mountJob(JobID.validated("first"))
        let cached = shell("ls -A '\(fixture.indexCache)'").output.split(separator: "\n").filter { $0.hasSuffix(".index") }
        try #require(cached.count == 1)
        var before = stat()
        stat(fixture.indexCache.appending(String(cached[0])).string, &before)
        let second = try fixture.manager.mountJob(JobID.validated("second"))
        var after = stat()
        stat(fixture.indexCache.appending(String(cached[0])).string, &after)
        #expect(before.st_ino == after.st_ino && before.st_mtim.tv_nsec == after.st_mtim.tv_nsec, "the second job copied the cached index")
        for record in [first, second] {
            // Racily clean entries (mtime not before the index's) would make git read them; none is.
            let index = shell("stat -c %Y '\(record.mountpoint)/.git/index'").output
            let commitTime = fixture.git(record.mountpoint, "log -1 --format=%ct").output
            #expect(Int(index.dropLast())! > Int(commitTime.dropLast())!)
            let entry = fixture.git(record.mountpoint, "ls-files --debug link-to-main run.sh")
            #expect(entry.output.contains("size: 10"), "a symlink's size is its target's length: \(entry.output)")
            #expect(entry.output.contains("mtime: \(commitTime.dropLast()):0"))
        }
    }

    /// A build user's layer and a root job's link the same cached index; giving the first its user
    /// must not give the cached index (and so the root job's) to that user too.
    @Test func aLayerGivenToABuildUserLeavesTheCachedIndexAlone() throws {
        let fixture = try GitJobFixture(driver: .kernel)
        let user = try fixture.manager.mountJob(JobID.validated("user"), spec: JobSpec(owner: FileOwner(uid: 65534, gid: 65534)))
        let root = try fixture.manager.mountJob(JobID.validated("root"))
        let owners = [user.mountpoint + "/.git/index", root.mountpoint + "/.git/index"].map { shell("stat -c %u:%g '\($0)'").output }
        #expect(owners == ["65534:65534\n", "0:0\n"])
        let cached = shell("stat -c %u:%g '\(fixture.indexCache)'/*.index").output
        #expect(cached == "0:0\n", "the cached index was given away")
    }
}
