import AntaresDaemon
import ArgumentParser
import Glibc
import ScorpioKit
import SystemPackage

/// `scorpio mount [JOB_ID]`: a job's copy-on-write union, served from a background process.
struct MountCommand: BackgroundServing, QuickParsable {
    static let configuration = CommandConfiguration(
        commandName: "mount",
        abstract: "Mount a job's copy-on-write view of the monorepo (served in the background).",
        discussion: """
            The job sees the base revision (read lazily, nothing checked out) with the change list's \
            files over it; what it writes goes to its own upper directory under antares_upper_root. \
            The mount is at {antares_mount_root}/{job} unless --at names a directory. Mounting a job \
            again with the same options is harmless; with other options it is an error.

            Examples:
              scorpio mount build-42                       HEAD of the repository here
              scorpio mount build-43 --rev main --path services/api
              scorpio mount --at /tmp/ws                   a generated job id, mounted at /tmp/ws
              scorpio mount build-45 --user 1000:1000      the whole tree user 1000's, as their checkout
              scorpio mount build-44 --daemon http://127.0.0.1:2726 --path services/api --cl 456
              scorpio umount build-42                      unmount and remove its upper

            With --daemon the job is mounted by a running `scorpio serve` (which chooses the \
            repository, revision and driver); only --path, --cl and --user are sent with the job id.
            """
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions
    @OptionGroup(title: "Base") var base: BaseSourceOptions

    @Argument(help: ArgumentHelp("The job id (default: a new one).", valueName: "job-id"))
    var jobID: String?

    @Option(help: .changeList)
    var cl: String?

    @Option(help: ArgumentHelp("Mount here instead of {antares_mount_root}/{job}.", valueName: "dir"))
    var at: String?

    @Option(help: .unionDriver)
    var driver: UnionDriver?

    @Option(help: ArgumentHelp("Serve the job's whole tree as this build user's (UID:GID).", valueName: "uid:gid"))
    var user: String?

    @Flag(help: "Serve from this process until the job is unmounted or interrupted.")
    var foreground = false

    @Option(help: .daemon)
    var daemon: String?

    static var quickSyntax: QuickSyntax<MountCommand> {
        BaseSourceOptions.quickSyntax.within(\.base) { $0.base = $1 } + QuickSyntax(
            options: [
                .value("--cl") { $0.cl = $1 }, .value("--at") { $0.at = $1 }, .value("--driver") { $0.driver = $1 },
                .value("--user") { $0.user = $1 }, .flag("--foreground") { $0.foreground = $1 }, .value("--daemon") { $0.daemon = $1 },
            ],
            argument: .optional { $0.jobID = $1 }
        )
    }

    func validate() throws {
        if let user, FileOwner(user) == nil { throw ValidationError("--user \(user): expected UID:GID, e.g. 1000:1000") }
        guard daemon != nil else { return }
        let local = [("--at", at != nil), ("--driver", driver != nil), ("--foreground", foreground), ("--repo", base.repo != nil),
                     ("--rev", base.rev != nil), ("--source", base.source != nil), ("--dir", base.dir != nil)]
        if let (flag, _) = local.first(where: { $0.1 }) {
            throw ValidationError("\(flag) cannot be used with --daemon: the daemon's own configuration chooses it")
        }
    }

    func run() async throws {
        guard !servesHere else { return try serveHere() }
        let config = try global.loadConfigAndStartLogging().config
        if let client = try DaemonClient.named(daemon, config: config) { try await mountThroughDaemon(client) }
    }

    /// It forks once it knows its driver: see ``serveHere()``.
    var forksAtLaunch: Bool { false }

    var servesHere: Bool { daemon == nil }

    /// Mounts the job and serves it, from this process with --foreground, else from a background one:
    /// this process mounts, then hands the mount to a process forked at that point (which starts the
    /// fuse driver's server), so the caller waits for no other process to start.
    func serveHere() throws {
        let started = ContinuousClock.now
        if !foreground { BackgroundServer.noteInheritedDescriptors() }
        let config = try global.loadConfigAndStartLogging().config
        let job = try jobID.map { text throws(ManagerError) in try JobID.validated(text) } ?? JobID.generate()
        let choice = DriverChoice(config.unionDriver, requested: driver, config: config)
        try MountFailure.mapping { try serve(job, config: config, choice: choice, handingOver: !foreground, since: started) }
    }

    func announcement(ready: String, pid: pid_t, elapsed: Duration) -> String? {
        "scorpio: \(ready), ready in \(elapsed.milliseconds) ms"
    }

    /// The caller's last words: the background process `pid` serves the job.
    private func announce(_ ready: String, pid: pid_t, since started: ContinuousClock.Instant) -> Never {
        if let line = announcement(ready: ready, pid: pid, elapsed: ContinuousClock.now - started) { print(line) }
        Glibc.exit(ScorpioExitStatus.success.rawValue)
    }

    private func mountThroughDaemon(_ client: DaemonClient) async throws {
        let started = ContinuousClock.now
        let created = try await client.mount(MountRequest(jobID: jobID, path: "/" + (base.path ?? ""), cl: cl, user: user))
        let name = jobID.map { "job \($0) " } ?? ""
        print("scorpio: \(name)mounted at \(created.mountpoint) in \((ContinuousClock.now - started).milliseconds) ms (mount_id \(created.mountID))")
    }

    /// `handingOver`: this process mounts, then forks the background process that serves the job.
    private func serve(_ job: JobID, config: ScorpioConfig, choice: DriverChoice, handingOver: Bool, since started: ContinuousClock.Instant) throws {
        let manager = try JobManagement.manager(config: config, base: base.selection(config: config), driver: choice.kind)
        var spec = base.jobSpec(cl: cl)
        spec.owner = user.flatMap(FileOwner.init)
        let target = at.map { FilePath($0) }
        let record: MountRecord
        if handingOver {
            // Until the background process handles them, terminating signals wait: the job is
            // mounted and served whatever the caller receives meanwhile.
            SignalMask.block(SignalUnmounter.terminatingSignals)
            let mounted = try manager.mountJob(job, at: target, spec: spec, server: .mount, handingOver: true)
            switch try handOver(mounted, of: manager, serverFirst: choice.kind == .fuse) {
            case .caller(let pid):
                announce("job \(job) mounted at \(mounted.mountpoint) (\(description(of: mounted, choice)))", pid: pid, since: started)
            case .server:
                record = mounted
                // Served first, as the caller may be waiting for it; the terminating signals wait
                // meanwhile, and the serving threads keep them blocked.
                do {
                    try manager.serveHandedOver(job)
                } catch {
                    _ = try? manager.unmountJob(job)
                    throw error
                }
                SignalUnmounter.onSignal { manager.unmountAll(keepUpper: true) }
                SignalUnmounter.install()
                // No signal blocked, as in a server forked before its mount.
                SignalMask.unblockAll()
            }
        } else {
            SignalUnmounter.onSignal { manager.unmountAll(keepUpper: true) }
            SignalUnmounter.install()
            record = try manager.mountJob(job, at: target, spec: spec, server: .mount)
            let detail = description(of: record, choice)
            if !BackgroundServer.reportReady("job \(job) mounted at \(record.mountpoint) (\(detail))") {
                print("scorpio: serving job \(job) at \(record.mountpoint) (\(detail))")
            }
        }
        // Served until `scorpio umount` unmounts it (and records it), or a signal ends it (the handler
        // unmounts and records it, keeping the upper).
        MountTable.waitUntilUnmounted(FilePath(record.mountpoint))
        SignalUnmounter.exitIfSignalled()
    }

    /// Forks the background process that serves `record`'s job and records it as the job's server.
    /// Should either fail, the job is unmounted again (by the background process, when it runs).
    /// `serverFirst`: this process waits for the server's first answers (the fuse driver's, to bind the
    /// host's objects into the job's `.git`).
    private func handOver(_ record: MountRecord, of manager: AntaresManager, serverFirst: Bool) throws -> BackgroundServer.HandOver {
        let side: BackgroundServer.HandOver
        do {
            side = try BackgroundServer.handOver(callerWaits: serverFirst)
        } catch {
            _ = try? manager.unmountJob(record.jobID)
            throw error
        }
        guard case .caller(let pid) = side else { return side }
        do {
            try manager.handOver(record, to: pid)
        } catch {
            kill(pid, SIGTERM)
            throw error
        }
        return side
    }

    private func description(of record: MountRecord, _ choice: DriverChoice) -> String {
        "\(record.driver) driver (\(choice.reason)), base \(record.base)"
    }
}
