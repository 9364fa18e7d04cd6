import CSyscalls
import Dicfuse
import FuseKit
import Foundation
import Synchronization
import SystemPackage

/// Per-job unions over shared bases: mounts each job's upper (and change list) over a lease on its
/// base (a mounted revision, see ``BaseLease``), serves the union from this process (fuse driver) or
/// lets the kernel serve it (kernel driver), and records every mount in the state file.
///
/// Idempotent by job id: mounting a job again with the same spec returns its mount; with another spec
/// it is an error.
public final class AntaresManager: Sendable {
    public let paths: AntaresPaths
    public let driver: UnionDriverKind
    private let leaseBase: @Sendable (JobID, JobSpec) throws(ManagerError) -> any BaseLease
    private let buildChangeList: @Sendable (JobSpec, FilePath) throws(ManagerError) -> Void
    private let repositoryOrigin: @Sendable (JobSpec, any BaseLease) -> JobRepositoryOrigin?
    private let stateFile: StateFile
    private let live = Mutex<[JobID: LiveJob]>([:])
    /// How many jobs unmounted with their upper removed stay in the state file (describing a deleted
    /// mount still answers Unmounted); beyond it the longest unmounted are forgotten. Jobs whose
    /// upper was kept stay until it is removed.
    private let retainedFinishedJobs: Int
    public static let defaultRetainedFinishedJobs = 256
    /// Whether the jobs' uppers are scratch (`scorpio run`'s: read once for the layer, then removed), so
    /// their unions are mounted `volatile` and nothing the job writes is synced on its account. Views
    /// people or clients may keep editing in (`scorpio mount`, the daemon's) sync as any filesystem.
    private let scratchUppers: Bool

    private struct LiveJob: Sendable {
        let union: AntaresFuse
        let lease: any BaseLease
        let git: JobGitDirectory?
    }

    /// - Parameters:
    ///   - leaseBase: a lease on the base a job's spec names (its `path` is the served subdirectory,
    ///     its `owner` who the entries show as), mounted; held while the job is mounted here.
    ///   - buildChangeList: writes the layer of the spec's CL into a directory (overlay format).
    ///   - repositoryOrigin: the repository and commit a job's own `.git` describes (a lower layer above
    ///     its change list, see ``JobRepositoryOrigin``); nil: the job's view has no `.git`.
    public init(
        paths: AntaresPaths, driver: UnionDriverKind,
        leaseBase: @escaping @Sendable (JobID, JobSpec) throws(ManagerError) -> any BaseLease,
        buildChangeList: @escaping @Sendable (JobSpec, FilePath) throws(ManagerError) -> Void = { spec, _ throws(ManagerError) in
            throw .changeList(spec.cl ?? "", reason: "no change-list source is configured")
        },
        repositoryOrigin: @escaping @Sendable (JobSpec, any BaseLease) -> JobRepositoryOrigin? = { _, _ in nil },
        retainedFinishedJobs: Int = defaultRetainedFinishedJobs, scratchUppers: Bool = false
    ) {
        self.retainedFinishedJobs = retainedFinishedJobs
        self.scratchUppers = scratchUppers
        self.paths = paths
        self.driver = driver
        self.leaseBase = leaseBase
        self.buildChangeList = buildChangeList
        self.repositoryOrigin = repositoryOrigin
        stateFile = StateFile(path: paths.stateFile)
    }

    // MARK: - Mounting

    /// Mounts job `id` (a new id when nil) at `mountpoint` (default `{mount_root}/{job}`); `server`
    /// records what kind of process this is, which tells another process's `unmountJob` whether to wait
    /// for it or leave the job to it. `handingOver`: this process mounts the job and then forks the one
    /// that serves it. The job stays recorded as provisioning, by this process, until
    /// ``handOver(_:to:)`` names the serving process, which calls ``serveHandedOver(_:)``; until then
    /// no thread runs for the job here and a fuse union's users wait.
    @discardableResult
    public func mountJob(
        _ id: JobID? = nil, at mountpoint: FilePath? = nil, spec: JobSpec = JobSpec(), server: JobServer = .mount,
        handingOver: Bool = false
    ) throws(ManagerError) -> MountRecord {
        let job = id ?? JobID.generate()
        let target = mountpoint ?? paths.mountpoint(job)
        if let existing = try stateFile.read().first(where: { $0.jobID == job && $0.state.expectsMount }) {
            guard existing.spec == spec, mountpoint == nil || existing.mountpoint == target.string else {
                throw .conflict(job, existing: existing.spec, requested: spec)
            }
            if live.withLock({ $0[job] != nil }) { return existing }
        }
        if let occupant = MountTable.mount(at: target) {
            throw .mountpointOccupied(target.string, by: "a \(occupant.fileSystemType) mount of \(occupant.source)")
        }

        let lease = try leaseBase(job, spec)
        let changeList = try spec.cl.map { cl throws(ManagerError) -> FilePath in
            let directory = paths.changeList(job)
            try? FileManager.default.removeItem(atPath: directory.string)
            do { try makeDirectory(directory) } catch { throw .changeList(cl, reason: "cannot create \(directory): \(error)") }
            try writeChangeList(spec, into: directory)
            return directory
        }
        let git = try gitLayer(spec, lease: lease)
        do { try makeDirectory(target) } catch { throw .union(.layer(target, reason: "cannot create the mountpoint: \(error)")) }

        let now = Self.nowMilliseconds
        var record = MountRecord(
            mountID: UUID().uuidString.lowercased(), jobID: job, spec: spec, mountpoint: target.string,
            upper: paths.upper(job).string, changeList: changeList?.string, driver: driver.rawValue,
            base: lease.identity, state: .provisioning, pid: getpid(), server: server, serverStart: ProcessStart.ofThisProcess(),
            createdAtEpochMilliseconds: now, lastSeenEpochMilliseconds: now)
        try save(record)
        do {
            let union = try mountUnion(job, at: target, spec: spec, changeList: changeList, lease: lease, git: git, servingNow: !handingOver)
            live.withLock { $0[job] = LiveJob(union: union, lease: lease, git: git) }
        } catch {
            record.state = .failed(reason: "\(error)")
            try? save(record)
            throw .union(error)
        }
        if handingOver { return record }
        record.state = .ready
        try save(record)
        return record
    }

    /// Records the job of `record` (what `mountJob` returned, mounted with `handingOver`) as ready and
    /// served by process `pid`, forked from this one after the mount, so it holds the job's locks and
    /// mounts too. Then the host's objects are bound into the job's `.git`: with the fuse driver that
    /// waits for `pid`'s first answers, so the record is written meanwhile.
    @discardableResult
    public func handOver(_ record: MountRecord, to pid: pid_t) throws(ManagerError) -> MountRecord {
        let job = live.withLock { $0[record.jobID] }
        job?.union.handedOver()
        job?.lease.handedOver(to: pid)
        var record = record
        record.pid = pid
        record.serverStart = ProcessStart.of(pid)
        record.state = .ready
        try save(record)
        do { try job?.git?.attach(to: FilePath(record.mountpoint)) } catch { throw .union(error) }
        return record
    }

    /// In the process forked by the one that mounted job `id` with `handingOver`: starts serving it.
    public func serveHandedOver(_ id: JobID) throws(ManagerError) {
        guard let job = live.withLock({ $0[id] }) else { throw .unknownJob(id) }
        do { try job.union.serve() } catch { throw .union(error) }
    }

    /// Unmounts job `id`; its upper (and CL) directories are removed unless `keepUpper`.
    /// `forget`: a job whose upper goes leaves no record behind either (a `scorpio run` job: its
    /// artifact's manifest tells what it was), so the state file stays as small as what lives.
    @discardableResult
    public func unmountJob(_ id: JobID, keepUpper: Bool = false, lazy: Bool = false, forget: Bool = false) throws(ManagerError) -> MountRecord {
        let records = try stateFile.read()
        guard var record = records.last(where: { $0.jobID == id }) else { throw .unknownJob(id) }
        if let server = record.server, server != .mount, record.state.expectsMount, record.pid != getpid(),
            live.withLock({ $0[id] == nil }), record.serverIsAlive
        {
            throw .heldElsewhere(id, server: server, pid: record.pid)
        }
        let forgotten = forget && !keepUpper
        record.state = .unmounting
        // A job about to be forgotten is not announced as unmounting: should this process die meanwhile,
        // its record (this pid's, mounted) is recovered like any other of a dead process.
        if !forgotten { try save(record) }
        var job = live.withLock { $0.removeValue(forKey: id) }
        do {
            if let job {
                try unmountUnion(job, at: FilePath(record.mountpoint), lazy: lazy)
            } else {
                try Self.detach(record)
                Self.waitForSoleServer(of: record, among: records)
            }
        } catch {
            if let job { live.withLock { $0[id] = job } }
            record.state = .failed(reason: "\(error)")
            try? save(record)
            throw .union(error)
        }
        if keepUpper, scratchUppers {
            Posix.syncFileSystem(of: record.upper)
            job?.union.settleUpper()
        }
        if job?.union.driverKind == .fuse {
            job = nil
            // A fuse union's node table is many small allocations, freed with it: give their pages back
            // to the system (a daemon would otherwise keep the peak of its past jobs), off the request.
            _ = startDetachedThread { malloc_trim(0) }
        }
        if !keepUpper {
            for directory in [record.upper, paths.work(id).string] + [record.changeList].compactMap({ $0 }) {
                Posix.removeTree(directory)
            }
        }
        if record.mountpoint == paths.mountpoint(id).string { rmdir(record.mountpoint) }
        record.state = .unmounted
        record.lastSeenEpochMilliseconds = Self.nowMilliseconds
        if forgotten {
            try stateFile.update { (records: inout [MountRecord]) throws(ManagerError) in records.removeAll { $0.jobID == id } }
        } else {
            try save(record)
        }
        return record
    }

    /// Replaces the change list of job `id`, served by this process, with `cl` (nil clears it): the
    /// union is briefly unmounted (state Quiescing), the layer rebuilt and the union mounted again over
    /// the same upper. A busy mount is left as it was.
    @discardableResult
    public func changeChangeList(_ id: JobID, to cl: String?) throws(ManagerError) -> MountRecord {
        guard var record = try stateFile.read().last(where: { $0.jobID == id && $0.state.expectsMount }) else { throw .unknownJob(id) }
        guard let job = live.withLock({ $0[id] }) else {
            throw .state(paths.stateFile.string, reason: "job \(id) is served by process \(record.pid), not this one")
        }
        record.state = .quiescing
        try save(record)
        do {
            try unmountUnion(job, at: FilePath(record.mountpoint), lazy: false)
        } catch {
            record.state = .ready
            try? save(record)
            throw .union(error)
        }
        job.union.settleUpper()
        var spec = record.spec
        spec.cl = cl
        do {
            let directory: FilePath? = cl == nil ? nil : paths.changeList(id)
            try? FileManager.default.removeItem(atPath: paths.changeList(id).string)
            if let directory {
                do { try makeDirectory(directory) } catch { throw ManagerError.changeList(cl ?? "", reason: "cannot create \(directory): \(error)") }
                try writeChangeList(spec, into: directory)
            }
            let union = try mountUnion(id, at: FilePath(record.mountpoint), spec: spec, changeList: directory, lease: job.lease, git: job.git, servingNow: true)
            live.withLock { $0[id] = LiveJob(union: union, lease: job.lease, git: job.git) }
            record.spec = spec
            record.changeList = directory?.string
            record.state = .ready
        } catch let error as ManagerError {
            record.state = .failed(reason: "\(error)")
            try? save(record)
            throw error
        } catch {
            record.state = .failed(reason: "\(error)")
            try? save(record)
            throw .union(error as? AntaresError ?? .layer(FilePath(record.mountpoint), reason: "\(error)"))
        }
        record.lastSeenEpochMilliseconds = Self.nowMilliseconds
        try save(record)
        return record
    }

    /// Every recorded job.
    public func list() throws(ManagerError) -> [MountRecord] { try stateFile.read() }

    public func status(_ id: JobID) throws(ManagerError) -> MountRecord? { try stateFile.read().last { $0.jobID == id } }

    /// The jobs this process serves, unmounted (lazily where busy): for shutdown.
    public func unmountAll(keepUpper: Bool = true) {
        for job in live.withLock({ Array($0.keys) }) { _ = try? unmountJob(job, keepUpper: keepUpper, lazy: true) }
    }

    /// The FUSE request counters of the jobs this process serves.
    public func requestCounters() -> [JobID: RequestCounters] {
        live.withLock { jobs in jobs.compactMapValues { $0.union.requests } }
    }

    /// Whether this process serves job `id` (holds its union).
    public func serves(_ id: JobID) -> Bool { live.withLock { $0[id] != nil } }


    // MARK: - Recovery

    /// Finds jobs whose serving process is gone: detaches their unions and marks them Failed, keeping
    /// their upper directories — the work is the user's to keep, export or remove (`unmountJob`), and
    /// remounting needs a process that will keep serving, which this may not be. Removes the state
    /// file's temporaries that ended processes left. Returns the jobs it changed.
    @discardableResult
    public func recover() throws(ManagerError) -> [MountRecord] {
        try stateFile.update { (records: inout [MountRecord]) throws(ManagerError) -> [MountRecord] in
            stateFile.removeLeftoverTemporaries()
            var recovered: [MountRecord] = []
            for index in records.indices where records[index].state.expectsMount && !records[index].serverIsAlive {
                try? Self.detach(records[index])
                Posix.syncFileSystem(of: records[index].upper)
                records[index].state = .failed(reason: "its serving process \(records[index].pid) is gone; the mount was detached and the upper kept at \(records[index].upper)")
                records[index].lastSeenEpochMilliseconds = Self.nowMilliseconds
                recovered.append(records[index])
            }
            return recovered
        }
    }

    // MARK: - Helpers

    /// Mounts job `job`'s union at `target`, its own `.git` (if any) over its change list (if any) over
    /// its base, and binds the host's objects into that `.git`.
    private func mountUnion(
        _ job: JobID, at target: FilePath, spec: JobSpec, changeList: FilePath?, lease: any BaseLease, git: JobGitDirectory?,
        servingNow: Bool
    ) throws(AntaresError) -> AntaresFuse {
        let layers = UnionLayers(
            upper: paths.upper(job), work: paths.work(job), lowers: [git?.layer, changeList].compactMap { $0 } + [lease.mountpoint],
            owner: spec.owner, baseDictionary: lease.dictionary)
        // A scratch upper is synced only if it is kept (at its unmount).
        var options = UnionMountOptions()
        options.volatile = scratchUppers
        let union = try AntaresFuse(mountpoint: target, layers: layers, driver: driver, options: options)
        try union.mount(servingNow: servingNow)
        // A union not yet served cannot be looked into: ``handOver(_:to:)`` binds the host's objects.
        guard servingNow else { return union }
        do {
            try git?.attach(to: target)
        } catch {
            try? union.unmount(lazy: true)
            throw error
        }
        return union
    }

    /// Unmounts a union this process serves, the host's objects bound in its `.git` first (bound again
    /// if the union then turns out busy).
    private func unmountUnion(_ job: LiveJob, at mountpoint: FilePath, lazy: Bool) throws(AntaresError) {
        if job.git != nil { try JobGitDirectory.detach(from: mountpoint, lazy: lazy) }
        do {
            try job.union.unmount(lazy: lazy)
        } catch {
            try? job.git?.attach(to: mountpoint)
            throw error
        }
    }

    /// The job's `.git` layer (shared with every job that needs the same), when its spec's base has a
    /// repository to describe.
    private func gitLayer(_ spec: JobSpec, lease: any BaseLease) throws(ManagerError) -> JobGitDirectory? {
        guard let origin = repositoryOrigin(spec, lease) else { return nil }
        do { return try JobGitDirectory.layer(for: origin, owner: spec.owner) } catch { throw .union(error) }
    }

    /// The layer of the spec's CL, written into `directory` and given to the spec's build user.
    private func writeChangeList(_ spec: JobSpec, into directory: FilePath) throws(ManagerError) {
        try buildChangeList(spec, directory)
        if let owner = spec.owner {
            do { try Posix.changeOwnerOfTree(directory.string, to: owner) } catch {
                throw .changeList(spec.cl ?? "", reason: "cannot give its layer to \(owner): \(error)")
            }
        }
    }

    private func save(_ record: MountRecord) throws(ManagerError) {
        let retained = retainedFinishedJobs
        try stateFile.update { (records: inout [MountRecord]) throws(ManagerError) in
            records.removeAll { $0.jobID == record.jobID }
            records.append(record)
            guard record.state == .unmounted else { return }
            let finished = records.filter { $0.state == .unmounted && !FileManager.default.fileExists(atPath: $0.upper) }
            guard finished.count > retained else { return }
            let oldestFirst = finished.enumerated().sorted {
                ($0.element.lastSeenEpochMilliseconds, $0.offset) < ($1.element.lastSeenEpochMilliseconds, $1.offset)
            }
            let forgotten = Set(oldestFirst.prefix(finished.count - retained).map(\.element.jobID))
            records.removeAll { forgotten.contains($0.jobID) }
        }
    }

    /// Detaches a job's union that no live object of this process owns.
    private static func detach(_ record: MountRecord) throws(AntaresError) {
        let mountpoint = FilePath(record.mountpoint)
        guard MountTable.mount(at: mountpoint) != nil else { return }
        do { try MountTable.unmount(mountpoint, lazy: true) } catch { throw .unmount(mountpoint, reason: "\(error)") }
    }

    /// A process that served only this job (`scorpio mount`'s) exits once it sees the job's mount gone,
    /// and lets go of the job's lease on its base as it does: waited for, so what the job held is free
    /// when its unmount returns and a `scorpio base gc` right after finds the base idle. The wait ends
    /// when the process does. Its bound, ten seconds (two proved too short for a loaded two-core host),
    /// is for a process that does not end: one slow in its exit, or the process of a record written
    /// before ``MountRecord/server`` was, which may be a `scorpio run` whose command goes on.
    private static func waitForSoleServer(of record: MountRecord, among records: [MountRecord]) {
        let server = record.pid
        guard record.server ?? .mount == .mount, server != getpid(),
            !records.contains(where: { $0.jobID != record.jobID && $0.pid == server && $0.state.expectsMount })
        else { return }
        let descriptor = pidfd_open(server, 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        // Checked once the descriptor holds the pid, so no later process can have taken it. A process
        // whose first thread has ended (a zombie) is waited for too: its other threads may still be
        // ending, the lease's lock with them; the descriptor is readable once every thread has.
        guard ProcessLiveness.isStillThere(server, started: record.serverStart) else { return }
        var exited = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while poll(&exited, 1, 10_000) < 0 && errno == EINTR {}
    }

    private static var nowMilliseconds: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
