import Antares
import Dicfuse
import FuseKit
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// A manager over a test repository's `main`, with its roots in a scratch directory.
private final class ManagerFixture {
    let scratch: Scratch
    let repository: TestRepository
    let store: ContentStore
    let paths: AntaresPaths
    let retainedFinishedJobs: Int
    private(set) var manager: AntaresManager!

    init(driver: UnionDriverKind = .kernel, retainedFinishedJobs: Int = 256, scratchUppers: Bool = false) throws {
        scratch = try Scratch()
        repository = try TestRepository(in: scratch)
        paths = AntaresPaths(
            upperRoot: scratch.path.appending("upper"), changeListRoot: scratch.path.appending("cl"),
            mountRoot: scratch.path.appending("mnt"), stateFile: scratch.path.appending("state.toml"))
        store = try ContentStore(root: scratch.path.appending("store"))
        self.retainedFinishedJobs = retainedFinishedJobs
        manager = another(driver: driver, scratchUppers: scratchUppers, bases: "bases")
    }

    /// A manager over the same roots, repository and store (as another process's), its bases in `bases`.
    func another(driver: UnionDriverKind = .kernel, scratchUppers: Bool = false, bases: String) -> AntaresManager {
        let repositoryPath = repository.path.string
        let store = store
        let baseRoot = scratch.path.appending(bases)
        return AntaresManager(
            paths: paths, driver: driver,
            leaseBase: { job, spec throws(ManagerError) in
                let source: GitTreeSource
                do throws(SourceError) { source = try GitTreeSource(repository: repositoryPath, subdirectory: spec.path) } catch { throw .base(error) }
                do throws(AntaresError) { return try InProcessBase(Dicfuse(source: source, store: store), at: baseRoot.appending(job.rawValue)) } catch {
                    throw .union(error)
                }
            },
            buildChangeList: { spec, directory throws(ManagerError) in
                // A CL named N replaces src/main.c with "cl N".
                guard shell("mkdir -p '\(directory)/src' && echo 'cl \(spec.cl ?? "")' > '\(directory)/src/main.c'").status == 0 else {
                    throw .changeList(spec.cl ?? "", reason: "cannot write the test layer")
                }
            },
            retainedFinishedJobs: retainedFinishedJobs, scratchUppers: scratchUppers)
    }

    /// Appends a Ready job's record to the state file, as another process that mounted it would have
    /// (nil `server` and `start`: a record written before they were kept).
    func appendRecord(_ job: JobID, mountpoint: FilePath, pid: pid_t, server: String? = nil, start: ProcessStart? = nil) throws {
        let record = """

            [[mounts]]
            mount_id = "\(job)-0000"
            job_id = "\(job)"
            mountpoint = "\(mountpoint)"
            upper = "\(paths.upper(job))"
            driver = "kernel"
            base = "git"
            pid = \(pid)\(start.map { "\npid_start = \"\($0)\"" } ?? "")\(server.map { "\nserver = \"\($0)\"" } ?? "")
            created_at_epoch_ms = 1
            last_seen_epoch_ms = 1
            [mounts.spec]
            path = ""
            [mounts.state]
            state = "Ready"
            """
        try #require(shell("printf '%s\\n' '\(record)' >> '\(paths.stateFile)'").status == 0)
    }

    deinit {
        manager.unmountAll(keepUpper: false)
        for mount in MountTable.entries() where mount.mountpoint.string.hasPrefix(scratch.path.string) {
            try? MountTable.unmount(mount.mountpoint, lazy: true)
        }
    }
}

@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"), .serialized)
struct ManagerTests {
    @Test func twoJobsOverOneBaseSeeOnlyTheirOwnWrites() throws {
        let fixture = try ManagerFixture()
        let a = try fixture.manager.mountJob(JobID.validated("job-a"))
        let b = try fixture.manager.mountJob(JobID.validated("job-b"))
        #expect(a.mountpoint == fixture.paths.mountpoint(try JobID.validated("job-a")).string)
        #expect(shell("echo from-a > '\(a.mountpoint)/src/main.c' && echo new > '\(a.mountpoint)/only-a'").status == 0)
        #expect(shell("cat '\(b.mountpoint)/src/main.c'").output == "changed\n")
        #expect(access("\(b.mountpoint)/only-a", F_OK) != 0)
        #expect(shell("cat '\(a.mountpoint)/src/main.c'").output == "from-a\n")
        #expect(a.base == b.base, "one shared base")
    }

    @Test func onlyTheLatestFinishedJobsStayInTheStateFileAndKeptUppersStayAll() throws {
        let fixture = try ManagerFixture(retainedFinishedJobs: 2)
        let kept = try JobID.validated("kept")
        try fixture.manager.mountJob(kept)
        try fixture.manager.unmountJob(kept, keepUpper: true)
        for name in ["one", "two", "three", "four"] {
            let job = try JobID.validated(name)
            try fixture.manager.mountJob(job)
            try fixture.manager.unmountJob(job)
        }
        let live = try JobID.validated("live")
        try fixture.manager.mountJob(live)
        let remembered = try fixture.manager.list().map(\.jobID.rawValue).sorted()
        #expect(remembered == ["four", "kept", "live", "three"], "\(remembered)")
        #expect(try fixture.manager.status(try JobID.validated("one")) == nil)
        #expect(try fixture.manager.status(try JobID.validated("four"))?.state == .unmounted)
    }

    @Test func theChangeListOfALiveJobIsReplacedAndCleared() throws {
        let fixture = try ManagerFixture()
        let job = try JobID.validated("switching")
        let record = try fixture.manager.mountJob(job, spec: JobSpec(cl: "1"))
        #expect(shell("cat '\(record.mountpoint)/src/main.c'").output == "cl 1\n")
        #expect(shell("echo mine > '\(record.mountpoint)/mine.txt'").status == 0)
        let switched = try fixture.manager.changeChangeList(job, to: "2")
        #expect(switched.spec.cl == "2" && switched.state == .ready)
        #expect(shell("cat '\(record.mountpoint)/src/main.c'").output == "cl 2\n")
        #expect(shell("cat '\(record.mountpoint)/mine.txt'").output == "mine\n", "the job's own writes stay")
        try fixture.manager.changeChangeList(job, to: nil)
        #expect(shell("cat '\(record.mountpoint)/src/main.c'").output == "changed\n", "cleared: the base shows")
        #expect(try fixture.manager.status(job)?.changeList == nil)
    }

    @Test func mountingIsIdempotentByJobAndRefusesAnotherSpec() throws {
        let fixture = try ManagerFixture()
        let job = try JobID.validated("same")
        let first = try fixture.manager.mountJob(job)
        let again = try fixture.manager.mountJob(job)
        #expect(again.mountID == first.mountID)
        #expect(throws: ManagerError.conflict(job, existing: JobSpec(), requested: JobSpec(path: "src"))) {
            try fixture.manager.mountJob(job, spec: JobSpec(path: "src"))
        }
    }

    @Test func invalidJobIDsAreRefusedNamingTheProblem() {
        for bad in ["", "a/b", "..", ".hidden", "tab\tbed", "with space", String(repeating: "x", count: 200), "bell\u{7}", "del\u{7F}", "no\u{A0}break", "é/x"] {
            #expect(throws: ManagerError.self) { try JobID.validated(bad) }
        }
        for good in ["a.b", "A_Z-09~!", "jöb-1", "ü.", String(repeating: "x", count: 128)] {
            #expect(throws: Never.self) { try JobID.validated(good) }
        }
        let generated = JobID.generate(prefix: "run")
        #expect(generated.rawValue.hasPrefix("run-"))
        #expect(JobID.generate() != JobID.generate())
    }

    @Test func anOccupiedMountpointIsRefusedAndNothingChanges() throws {
        let fixture = try ManagerFixture()
        let first = try fixture.manager.mountJob(JobID.validated("first"))
        #expect(throws: ManagerError.self) {
            try fixture.manager.mountJob(JobID.validated("second"), at: FilePath(first.mountpoint))
        }
        #expect(try fixture.manager.status(JobID.validated("second")) == nil)
        #expect(try fixture.manager.list().map(\.jobID.rawValue) == ["first"])
    }

    @Test func unmountRecordsItRemovesTheUpperUnlessKeptAndLeavesNothingMounted() throws {
        let fixture = try ManagerFixture()
        let kept = try fixture.manager.mountJob(JobID.validated("kept"))
        let dropped = try fixture.manager.mountJob(JobID.validated("dropped"))
        #expect(shell("echo x > '\(kept.mountpoint)/fresh.txt' && echo y > '\(dropped.mountpoint)/fresh.txt'").status == 0)
        #expect(shell("cat '\(kept.upper)/fresh.txt'").output == "x\n", "written through to the upper")
        let keptRecord = try fixture.manager.unmountJob(JobID.validated("kept"), keepUpper: true)
        try fixture.manager.unmountJob(JobID.validated("dropped"))
        #expect(keptRecord.state == .unmounted)
        #expect(shell("cat '\(kept.upper)/fresh.txt'").output == "x\n")
        #expect(access(dropped.upper, F_OK) != 0)
        #expect(MountTable.entries().filter { $0.mountpoint.string.hasPrefix(fixture.scratch.path.string) }.isEmpty)
        #expect(throws: ManagerError.unknownJob(try JobID.validated("never"))) { try fixture.manager.unmountJob(JobID.validated("never")) }
    }

    /// `scorpio run`'s uppers are scratch: mounted volatile, mounted again over the same upper when
    /// their change list changes. Kept, such an upper mounts again, here as a view that syncs; views are
    /// not volatile otherwise.
    @Test func scratchJobsMountVolatileAndAKeptUpperMountsAgainAsAView() throws {
        let runs = try ManagerFixture(scratchUppers: true)
        let job = try JobID.validated("again")
        let first = try runs.manager.mountJob(job, spec: JobSpec(cl: "1"))
        #expect(shell("findmnt -no OPTIONS '\(first.mountpoint)'").output.contains("volatile"))
        #expect(shell("echo kept > '\(first.mountpoint)/kept.txt'").status == 0)
        try runs.manager.changeChangeList(job, to: "2")
        #expect(shell("cat '\(first.mountpoint)/src/main.c' '\(first.mountpoint)/kept.txt'").output == "cl 2\nkept\n")
        try runs.manager.unmountJob(job, keepUpper: true)
        let views = runs.another(bases: "view-bases")
        let second = try views.mountJob(job)
        defer { _ = try? views.unmountJob(job) }
        #expect(!shell("findmnt -no OPTIONS '\(second.mountpoint)'").output.contains("volatile"))
        #expect(shell("cat '\(second.mountpoint)/kept.txt'").output == "kept\n")
    }

    @Test func theStateFileRecordsEveryMount() throws {
        let fixture = try ManagerFixture()
        let record = try fixture.manager.mountJob(JobID.validated("recorded"), spec: JobSpec(path: "src"))
        let text = shell("cat '\(fixture.paths.stateFile)'").output
        #expect(text.contains("job_id = \"recorded\""))
        #expect(text.contains("Ready"))
        #expect(try fixture.manager.status(JobID.validated("recorded"))?.mountID == record.mountID)
        #expect(shell("ls '\(record.mountpoint)'").output == "lib\nmain.c\n", "the job's path is its root")
    }

    @Test func recordsWrittenOneChangeAtATimeReadBackWhole() throws {
        let fixture = try ManagerFixture()
        for name in ["a", "b", "c"] { try fixture.manager.mountJob(JobID.validated(name), spec: JobSpec(path: name == "b" ? "src" : "")) }
        try fixture.manager.unmountJob(JobID.validated("b"), keepUpper: true)
        let written = try fixture.manager.list()
        let byName = written.sorted { $0.jobID.rawValue < $1.jobID.rawValue }
        #expect(byName.map(\.jobID.rawValue) == ["a", "b", "c"])
        #expect(byName.map(\.state) == [.ready, .unmounted, .ready])
        let reader = AntaresManager(paths: fixture.paths, driver: .kernel, leaseBase: { id, _ throws(ManagerError) in throw .unknownJob(id) })
        #expect(try reader.list() == written, "another process decodes the whole file to the same records")
    }

    @Test func whatAnotherProcessWritesToTheStateFileIsSeen() throws {
        let fixture = try ManagerFixture()
        let one = try JobID.validated("one")
        let record = try fixture.manager.mountJob(one, spec: JobSpec(path: "src"))
        let lister = AntaresManager(paths: fixture.paths, driver: .kernel, leaseBase: { _, _ throws(ManagerError) in throw .unknownJob(one) })
        #expect(try lister.status(one)?.mountID == record.mountID, "a manager of its own reads what the first wrote")
        #expect(shell("sed -i 's/created_at_epoch_ms = [0-9]*/created_at_epoch_ms = 1/' '\(fixture.paths.stateFile)'").status == 0)
        #expect(try fixture.manager.status(one)?.createdAtEpochMilliseconds == 1, "the edited file is read again")
        try fixture.manager.unmountJob(one)
        #expect(try lister.status(one)?.state == .unmounted)
    }

    @Test func recoveryDetachesTheMountOfAKilledServerAndSaysWhy() throws {
        let fixture = try ManagerFixture()
        let live = try fixture.manager.mountJob(JobID.validated("alive"))
        // Another process served job "orphan" and was killed with SIGKILL: its FUSE mount is dead.
        let orphan = try JobID.validated("orphan")
        let mountpoint = fixture.paths.mountpoint(orphan)
        let scorpio = builtProductsDirectory.appending("scorpio")
        let started = shell("""
            mkdir -p '\(mountpoint)' '\(fixture.paths.upper(orphan))' && echo work > '\(fixture.paths.upper(orphan))/kept' && \
            '\(scorpio)' --store-path '\(fixture.scratch.path)/store' base mount '\(mountpoint)' --repo '\(fixture.repository.path)'
            """)
        try #require(started.status == 0, "a server mounted the orphan")
        let words = started.output.split(separator: " ")
        let pid = words.firstIndex(of: "process").flatMap { Int32(words[$0 + 1].filter(\.isNumber)) } ?? 0
        try #require(pid > 0)
        kill(pid, SIGKILL)
        var waited = 0
        while !MountTable.isDeadFuseMount(mountpoint) && waited < 200 {
            usleep(10_000)
            waited += 1
        }
        try #require(MountTable.isDeadFuseMount(mountpoint))
        try fixture.appendRecord(orphan, mountpoint: mountpoint, pid: pid)

        let recovered = try fixture.manager.recover()
        #expect(recovered.map(\.jobID) == [orphan], "only the job whose server is gone")
        #expect(MountTable.mount(at: mountpoint) == nil, "the dead mount is detached")
        guard case .failed(let reason)? = try fixture.manager.status(orphan)?.state else {
            Issue.record("the orphan is marked Failed")
            return
        }
        #expect(reason.contains("\(pid)") && reason.contains("upper kept"))
        #expect(shell("cat '\(fixture.paths.upper(orphan))/kept'").output == "work\n", "the job's work is kept")
        #expect(try fixture.manager.status(JobID.validated("alive"))?.state == .ready)
        #expect(shell("cat '\(live.mountpoint)/src/main.c'").output == "changed\n")
    }
}

/// The directory holding the built products (the test runner and the package's executables).
private var builtProductsDirectory: FilePath {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    let path = FilePath(String(decoding: buffer[..<max(count, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    return path.removingLastComponent()
}

/// Jobs whose recorded server's pid now names another process (a reboot, or a host that has run
/// through its pids since): the record's start tells them apart.
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"), .serialized)
struct ReusedServerPidTests {
    @Test func aJobWhoseServersPidIsAnotherProcessNowIsRecoveredAndNotHeld() throws {
        let fixture = try ManagerFixture()
        let other = try SleepingChild()
        let itsStart = try #require(ProcessStart.of(other.pid))
        let earlier = ProcessStart(bootID: itsStart.bootID, ticks: itsStart.ticks - 1)
        for (job, server, start) in [("held", "run", itsStart), ("stale", "mount", earlier), ("stale-run", "run", earlier)] {
            try fixture.appendRecord(JobID.validated(job), mountpoint: fixture.scratch.path.appending("gone-\(job)"), pid: other.pid, server: server, start: start)
        }

        let refusal = #expect(throws: ManagerError.self, "a run whose process still runs is not unmounted from under it") {
            try fixture.manager.unmountJob(JobID.validated("held"))
        }
        guard case .heldElsewhere(_, server: .run, let pid)? = refusal else {
            Issue.record("refused as held by the run, not \(String(describing: refusal))")
            return
        }
        #expect(pid == other.pid)
        let unmounted = try fixture.manager.unmountJob(JobID.validated("stale-run"))
        #expect(unmounted.state == .unmounted, "a run whose pid another process has now is not held by it")

        let recovered = try fixture.manager.recover()
        #expect(recovered.map(\.jobID.rawValue) == ["stale"], "the pid's new process does not keep the job mounted")
        guard case .failed(let reason)? = try fixture.manager.status(JobID.validated("stale"))?.state else {
            Issue.record("the stale job is marked Failed")
            return
        }
        #expect(reason.contains("\(other.pid) is gone"))
        #expect(try fixture.manager.status(JobID.validated("held"))?.state == .ready, "the job of the live run stays")
    }
}
