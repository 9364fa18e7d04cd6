import Antares
import Artifact
import Foundation
import FuseKit
import Logging
import ScorpioKit
import SystemPackage

/// The mount API's behaviour over an ``AntaresManager``, independent of HTTP: upstream's
/// `AntaresServiceImpl`. Idempotent by `job_id`, else `build_id`; mutations of one job run one at a
/// time (different jobs concurrently), on threads off the HTTP event loops; once shutdown begins, new
/// mounts are refused with `SHUTDOWN`.
public actor AntaresService {
    public nonisolated let manager: AntaresManager
    let config: ScorpioConfig
    let base: BaseSelection
    nonisolated let metrics = DaemonMetrics()
    let logger: Logger
    let work = BlockingWork()
    private let serializer = KeyedSerializer()
    private var directory: MountDirectory
    let started = ContinuousClock.now
    var shuttingDown = false
    /// Mutations begun and not yet ended (shutdown waits for them).
    var mutationsInFlight = 0
    /// Specs of id-less mounts being made now, so that two at once of the same (path, cl) conflict.
    private var anonymousSpecsInFlight: Set<String> = []
    /// Build ids being mounted for the first time, so that two requests at once get one job.
    private var buildsInFlight: [String: (job: JobID, requests: Int)] = [:]

    /// - Parameters:
    ///   - config: where jobs' artifacts and bases come from (and the manager's paths).
    ///   - base: the repository and revision every mount is built on.
    public init(manager: AntaresManager, config: ScorpioConfig, base: BaseSelection, logger: Logger = Logger(label: "scorpio.daemon")) {
        self.manager = manager
        self.config = config
        self.base = base
        self.logger = logger
        directory = MountDirectory(besideStateFile: manager.paths.stateFile)
    }

    /// The manager's recovery: jobs whose serving process is gone are detached and marked Failed.
    @discardableResult
    public func recover() async throws -> [MountRecord] {
        let recovered = try await blocking { try self.manager.recover() }
        for record in recovered { logger.notice("recovered job \(record.jobID): \(record.state)") }
        await forgetJobsTheStateFileDropped()
        return recovered
    }

    // MARK: - Mounts

    public func mount(_ request: MountRequest) async throws(DaemonError) -> MountCreated {
        try refuseWhenShuttingDown()
        var spec = try MountRequestValidation.spec(of: request)
        // Recorded as the command line records it, so `scorpio diff` and `export` reopen the same base.
        spec.repository = base.repository.map { path in
            path.isAbsolute ? path.string : FilePath(FileManager.default.currentDirectoryPath).pushing(path).string
        }
        spec.revision = base.revision
        mutationsInFlight += 1
        defer { mutationsInFlight -= 1 }

        let job: JobID
        var entry: MountDirectory.Entry
        var anonymousKey: String?
        var claimedBuild: String?
        defer {
            if let anonymousKey { anonymousSpecsInFlight.remove(anonymousKey) }
            if let claimedBuild { releaseBuild(claimedBuild) }
        }
        if let text = request.jobID {
            job = try MountRequestValidation.jobID(text)
            entry = MountDirectory.Entry(jobID: job, buildID: try request.buildID.map { b throws(DaemonError) in try MountRequestValidation.buildID(b) }, jobIDGenerated: false)
        } else if let text = request.buildID {
            let buildID = try MountRequestValidation.buildID(text)
            job = claimBuild(buildID)
            claimedBuild = buildID
            entry = MountDirectory.Entry(jobID: job, buildID: buildID, jobIDGenerated: true)
        } else {
            // Claimed before looking, so that of two identical requests at once one sees the other.
            let key = "\(spec.path)\u{0}\(spec.cl ?? "")"
            guard anonymousSpecsInFlight.insert(key).inserted else {
                throw .invalid("path '/\(spec.path)' with cl \(spec.cl ?? "none") is being mounted by another request")
            }
            anonymousKey = key
            let records = try await blocking { try self.manager.list() }
            if let taken = records.first(where: { $0.state.expectsMount && $0.spec.path == spec.path && $0.spec.cl == spec.cl }) {
                throw .invalid("path '/\(spec.path)' with cl \(spec.cl ?? "none") is already mounted (mount_id \(taken.mountID)); give a job_id or build_id to mount it again")
            }
            job = JobID.generate(prefix: "mount")
            entry = MountDirectory.Entry(jobID: job, buildID: nil, jobIDGenerated: true)
        }
        if let known = directory[job], known.buildID != nil, entry.buildID == nil { entry.buildID = known.buildID }

        let (manager, requested) = (manager, spec)
        let record = try await serialized(job) { () throws(DaemonError) in
            try await self.blocking { try manager.mountJob(job, spec: requested, server: .daemon) }
        }
        if directory.record(entry) { saveDirectory() }
        logger.info("mounted job \(job) at \(record.mountpoint)", metadata: ["mount_id": "\(record.mountID)", "path": "/\(spec.path)", "cl": "\(spec.cl ?? "none")"])
        return MountCreated(mountID: record.mountID, mountpoint: record.mountpoint)
    }

    public func list() async throws(DaemonError) -> MountList {
        let records = try await blocking { try self.manager.list() }
        return MountList(mounts: records.filter { $0.state != .unmounted }.map { status(of: $0) })
    }

    public func describe(mountID: String) async throws(DaemonError) -> MountStatus {
        status(of: try await record(mountID: mountID))
    }

    public func describe(jobID: String) async throws(DaemonError) -> MountStatus {
        status(of: try await record(jobID: jobID))
    }

    public func readiness(mountID: String) async throws(DaemonError) -> MountReadiness {
        let record = try await record(mountID: mountID)
        let mounted = MountTable.mount(at: FilePath(record.mountpoint)) != nil
        return MountReadiness(mountID: record.mountID, ready: record.state == .ready && mounted, state: MountState(record.state))
    }

    public func unmount(mountID: String, keepUpper: Bool = false) async throws(DaemonError) -> MountStatus {
        try await unmount(try await record(mountID: mountID), keepUpper: keepUpper)
    }

    public func unmount(jobID: String, keepUpper: Bool = false) async throws(DaemonError) -> MountStatus {
        try await unmount(try await record(jobID: jobID), keepUpper: keepUpper)
    }

    /// Rebuilds the mount's change-list layer with `cl` (nil clears it): the union is remounted over
    /// the same upper.
    public func changeChangeList(mountID: String, to cl: String?) async throws(DaemonError) -> MountStatus {
        try refuseWhenShuttingDown()
        let cl = try cl.map { text throws(DaemonError) in try MountRequestValidation.changeList(text) }
        let record = try await record(mountID: mountID)
        mutationsInFlight += 1
        defer { mutationsInFlight -= 1 }
        let manager = manager
        let job = record.jobID
        let (changed, counters) = try await serialized(job) { () throws(DaemonError) in
            let counters = manager.requestCounters()[job]
            return (try await self.blocking { try manager.changeChangeList(job, to: cl) }, counters)
        }
        if let counters { metrics.retire(counters) }  // the union was mounted again, with counters of its own
        logger.info("job \(job) now has cl \(cl ?? "none")", metadata: ["mount_id": "\(changed.mountID)"])
        return status(of: changed)
    }

    // MARK: - Helpers

    private func unmount(_ record: MountRecord, keepUpper: Bool) async throws(DaemonError) -> MountStatus {
        mutationsInFlight += 1
        defer { mutationsInFlight -= 1 }
        let manager = manager
        let job = record.jobID
        do {
            let (unmounted, counters) = try await serialized(job) { () throws(DaemonError) in
                let counters = manager.requestCounters()[job]
                return (try await self.blocking { try manager.unmountJob(job, keepUpper: keepUpper) }, counters)
            }
            if let counters { metrics.retire(counters) }
            logger.info("unmounted job \(job)", metadata: ["mount_id": "\(unmounted.mountID)", "upper": keepUpper ? "kept" : "removed"])
            let answer = status(of: unmounted)
            await forgetJobsTheStateFileDropped()
            return answer
        } catch {
            guard error.code == .fuseError else { throw error }
            logger.error("unmounting job \(job) failed: \(error.message)")
            let failed = (try? await blocking { try manager.status(job) }) ?? record
            var answer = error
            answer.mount = status(of: failed)
            throw answer
        }
    }

    func record(mountID text: String) async throws(DaemonError) -> MountRecord {
        let mountID = try MountRequestValidation.mountID(text)
        let records = try await blocking { try self.manager.list() }
        guard let record = records.last(where: { $0.mountID == mountID }) else { throw .notFound("no mount \(mountID)") }
        return record
    }

    private func record(jobID text: String) async throws(DaemonError) -> MountRecord {
        let job = try MountRequestValidation.jobID(text)
        guard let record = try await blocking({ try self.manager.status(job) }) else { throw .notFound("no mount of job \(job)") }
        return record
    }

    /// The job of `buildID`: the one it was mounted as, or the one a request under way chose, or a new one.
    private func claimBuild(_ buildID: String) -> JobID {
        let job = directory.job(forBuild: buildID) ?? buildsInFlight[buildID]?.job ?? JobID.generate(prefix: "build")
        buildsInFlight[buildID] = (job, (buildsInFlight[buildID]?.requests ?? 0) + 1)
        return job
    }

    private func releaseBuild(_ buildID: String) {
        guard let claim = buildsInFlight[buildID] else { return }
        buildsInFlight[buildID] = claim.requests > 1 ? (claim.job, claim.requests - 1) : nil
    }

    private func status(of record: MountRecord) -> MountStatus {
        MountStatus(record, entry: directory[record.jobID])
    }

    private func refuseWhenShuttingDown() throws(DaemonError) {
        if shuttingDown { throw DaemonError(.shutdown, "the daemon is shutting down and takes no new mounts") }
    }

    /// The manager keeps only so many finished jobs in the state file; their build ids and
    /// generated-id marks go with them.
    private func forgetJobsTheStateFileDropped() async {
        let manager = manager
        // Only jobs known before the state file is read: one mounted meanwhile is in neither.
        let known = directory.jobs
        guard let records = try? await blocking({ try manager.list() }) else { return }
        if directory.forget(known.subtracting(records.map(\.jobID))) { saveDirectory() }
    }

    func saveDirectory() {
        do { try directory.save() } catch { metrics.recordError(.internalError) }
    }

    /// Runs `operation` after every earlier mutation of `job` has ended.
    func serialized<T: Sendable>(_ job: JobID, _ operation: @escaping @Sendable () async throws(DaemonError) -> T) async throws(DaemonError) -> T {
        do {
            return try await serializer.run(job.rawValue) { try await operation() }
        } catch let error as DaemonError {
            throw error
        } catch {
            throw .internal("\(error)")
        }
    }

    /// Runs blocking `work` on the daemon's threads; the manager's errors become the API's.
    nonisolated func blocking<T: Sendable, Failure: Error>(_ body: @escaping @Sendable () throws(Failure) -> T) async throws(DaemonError) -> T {
        do {
            return try await work.run { try body() }
        } catch let error as ManagerError {
            throw DaemonError(error)
        } catch let error as DaemonError {
            throw error
        } catch {
            throw .internal("\(error)")
        }
    }
}
