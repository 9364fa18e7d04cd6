import AntaresDaemon
import ArgumentParser
import Foundation
import Logging
import ScorpioKit

/// `scorpio serve`: the Antares HTTP daemon.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the Antares mount API over HTTP: CI runners ask it for job mounts.",
        discussion: """
            The daemon mounts, describes and unmounts jobs for its clients, with the routes, JSON and \
            error codes of the upstream Antares API (at the root, and again under /antares), plus \
            /mounts/{id}/diff, /mounts/{id}/artifact (the job's OCI layer) and /metrics (Prometheus). \
            Every mount is built on the base chosen here (--repo, --rev, or the configuration).

            It listens on http_bind (default 127.0.0.1:2726). On loopback or a unix socket no token \
            is needed; anywhere else it refuses to start without api_token (or SCORPIO_DAEMON_TOKEN), \
            and every request but GET /health must then carry 'Authorization: Bearer <token>'.

            At start it opens the base (a git repository and revision, or a directory) and exits 1 \
            if it cannot, then recovers the state file (jobs whose server died are detached and marked \
            Failed). On SIGTERM or SIGINT it refuses new mounts (503 SHUTDOWN), unmounts every job \
            it serves (their uppers are kept), records that in the state file, and exits 0.

            Examples:
              scorpio serve --repo /srv/monorepo                 127.0.0.1:2726
              scorpio serve --bind unix:/run/scorpio.sock
              SCORPIO_DAEMON_TOKEN=s3cret scorpio serve --bind 0.0.0.0:2726
              curl -s -X POST localhost:2726/mounts -d '{"job_id":"build-42","path":"/"}'
              curl -s localhost:2726/mounts/by-job/build-42
              curl -s -o layer.tar.gz localhost:2726/mounts/<mount_id>/artifact
              curl -s -X DELETE localhost:2726/mounts/by-job/build-42
              scorpio mount build-43 --daemon http://127.0.0.1:2726

            See docs/daemon.md and docs/openapi.yaml. Exit status 4: the address could not be bound.
            """
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions
    @OptionGroup(title: "Base") var base: RevisionOptions

    @Option(name: [.customLong("bind"), .customLong("http-addr")],
            help: ArgumentHelp("Listen here: host:port (port 0 picks a free one) or unix:/path (config key http_bind; --http-addr is upstream's name).",
                               valueName: "address"))
    var bind: String?

    @Option(help: .unionDriver)
    var driver: UnionDriver?

    func run() async throws {
        let overrides = bind.map { [CommandLineOverride(keyNamed: "http_bind", flag: "--bind", value: $0)] } ?? []
        let config = try global.loadConfigAndStartLogging(commandOverrides: overrides).config
        let selection = base.selection(config: config)
        let settings = DaemonSettings(config: config)
        try settings.validate()
        // A base every mount would fail on is refused now, not at each request (a Mega server may be
        // down for a while; its mounts say so when they are asked for).
        if selection.kind != .mega { _ = try selection.openSource(config: config) }
        let choice = DriverChoice(config.unionDriver, requested: driver, config: config)
        let logger = Logger(label: "scorpio.daemon")
        // Its fuse-driver unions read each base from a dictionary of the daemon's own (docs/antares.md).
        let dictionaries = BaseDictionaries { error in logger.error("a base's source failed, the kernel was told EIO: \(error)") }
        let manager = try JobManagement.manager(config: config, base: selection, driver: choice.kind, dictionaries: dictionaries)
        let service = AntaresService(manager: manager, config: config, base: selection, logger: logger)
        let daemon = AntaresDaemon(service: service, settings: settings, logger: logger)
        let announcement = Task {
            if let address = await daemon.listeningAddress() {
                print("scorpio: listening on \(address) (\(manager.driver.rawValue) driver, \(choice.reason); base \(selection.repository?.string ?? ".") at \(selection.revision))")
                fflush(nil)
            }
        }
        try await daemon.run()
        await announcement.value
        print("scorpio: stopped; every mount this daemon served is unmounted")
    }
}
