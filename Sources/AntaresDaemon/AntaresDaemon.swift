import Hummingbird
import Logging
import NIOCore
import ScorpioKit
import ServiceLifecycle
import UnixSignals
import Synchronization

/// The Antares HTTP daemon: upstream's mount API (at the root, and again under `/antares` as in the
/// combined server), plus `/mounts/{id}/diff`, `/mounts/{id}/artifact` and `/metrics`, over an
/// ``AntaresService``.
///
/// ```swift
/// let daemon = AntaresDaemon(service: service, settings: DaemonSettings(config: config))
/// try await daemon.run()          // until SIGTERM or SIGINT: then unmounts everything
/// ```
public final class AntaresDaemon: Sendable {
    public let service: AntaresService
    public let settings: DaemonSettings
    private let logger: Logger
    private let state = Mutex(RunState())

    private struct RunState {
        var group: ServiceGroup?
        var shutdownRequested = false
        var address: ListeningAddress?
        var waiters: [CheckedContinuation<ListeningAddress?, Never>] = []
        var ended = false
    }

    /// Where the daemon listens once bound: the port is the real one when port 0 was asked.
    public enum ListeningAddress: Sendable, Equatable, CustomStringConvertible {
        case tcp(host: String, port: Int)
        case unixSocket(String)

        public var description: String {
            switch self {
            case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            case .unixSocket(let path): "unix:\(path)"
            }
        }
    }

    public init(service: AntaresService, settings: DaemonSettings, logger: Logger = Logger(label: "scorpio.daemon")) {
        self.service = service
        self.settings = settings
        self.logger = logger
    }

    /// Recovers the manager's mounts, listens, and serves until shut down (by `shutdown()` or one of
    /// `signals`); then refuses new mounts, unmounts every job it serves and writes the state file.
    public func run(signals: [UnixSignal] = [.sigterm, .sigint]) async throws {
        defer { finish() }
        do {
            try settings.validate()
            if case .unixSocket(let path) = settings.bind, UnixSocketProbe.isListening(at: path) {
                throw DaemonStartError.bindFailed(settings.bind, reason: "another process is listening on that socket")
            }
            try await service.recover()
        } catch {
            await service.close()
            throw error
        }
        let application = makeApplication()
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: application),
                .init(service: MountShutdownService(service: service), successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: signals, logger: logger))
        let stopAtOnce = state.withLock { state in
            state.group = group
            return state.shutdownRequested
        }
        if stopAtOnce { await group.triggerGracefulShutdown() }
        do {
            try await group.run()
        } catch {
            await service.shutDown()
            await service.close()
            if state.withLock({ $0.address == nil }) {
                // The server ended before it listened: the address could not be bound.
                throw DaemonStartError.bindFailed(settings.bind, reason: "\(error)")
            }
            throw error
        }
        await service.close()
    }

    /// Waits until the daemon listens, and says where; nil if it ended without listening.
    public func listeningAddress() async -> ListeningAddress? {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                if state.address != nil || state.ended {
                    continuation.resume(returning: state.address)
                } else {
                    state.waiters.append(continuation)
                }
            }
        }
    }

    /// Begins the graceful shutdown `run()` does on SIGTERM.
    public func shutdown() async {
        let group = state.withLock { state in
            state.shutdownRequested = true
            return state.group
        }
        await group?.triggerGracefulShutdown()
    }

    // MARK: - Assembly

    private func makeApplication() -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: RequestMetricsMiddleware(metrics: service.metrics))
        router.add(middleware: JSONErrorMiddleware(metrics: service.metrics))
        if !settings.token.isEmpty {
            router.add(middleware: BearerTokenMiddleware(token: settings.token, openPaths: ["/health", "/antares/health"]))
        }
        register(on: router)
        register(on: router.group("antares"))
        return Application(
            router: router,
            configuration: .init(address: hummingbirdAddress, serverName: "scorpio/\(Scorpio.version)"),
            onServerRunning: { [self] channel in listening(on: channel) },
            logger: logger)
    }

    private func register<Methods: RouterMethods>(on routes: Methods) {
        ObservabilityRoutes(service: service).register(on: routes)
        MountRoutes(service: service, bodyLimit: settings.bodyLimit).register(on: routes)
        ChangeRoutes(service: service, defaultCompression: settings.defaultCompression).register(on: routes)
    }

    private var hummingbirdAddress: Hummingbird.BindAddress {
        switch settings.bind {
        case .tcp(let host, let port): .hostname(host, port: Int(port))
        case .unixSocket(let path): .unixDomainSocket(path: path.string)
        }
    }

    private func listening(on channel: any Channel) {
        let address: ListeningAddress = switch settings.bind {
        case .unixSocket(let path): .unixSocket(path.string)
        case .tcp(let host, let port): .tcp(host: host, port: channel.localAddress?.port ?? Int(port))
        }
        let waiters = state.withLock { state in
            state.address = address
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: address) }
    }

    private func finish() {
        let waiters = state.withLock { state in
            state.ended = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }
}
