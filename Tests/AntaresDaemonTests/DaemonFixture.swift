import Antares
import AntaresDaemon
import Foundation
import Logging
import ScorpioKit
import ScorpioTestSupport
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One answer of the daemon, as a client sees it.
struct HTTPAnswer {
    let status: Int
    let data: Data
    let headers: [String: String]

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }
    var text: String { String(decoding: data, as: UTF8.self) }
    var code: String? { json["code"] as? String }

    func decoded<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(T.self, from: data) }
}

/// A daemon started in this process on a free port, over a git repository made for the test (two
/// commits, and a change list at refs/cl/7 that adds `cl.txt`), with every directory in a scratch
/// directory. `withDaemon` stops it whatever the body does, and detaches anything left mounted.
/// Immutable once made; shared by the concurrent requests of one test.
final class DaemonFixture: @unchecked Sendable {
    let scratch: Scratch
    let repository: TestRepository
    let daemon: AntaresDaemon
    let endpoint: URL
    let token: String
    /// The bases' dictionaries the daemon's fuse-driver views read.
    let dictionaries = BaseDictionaries()
    private let running: Task<Void, any Error>
    private let session: URLSession

    var service: AntaresService { daemon.service }
    var socket: FilePath { scratch.path.appending("daemon.sock") }
    var stateFile: FilePath { scratch.path.appending("antares/state.toml") }

    /// - Parameter host: the address to listen on (port 0), or nil for a Unix socket in the scratch
    ///   directory (`socket`; `send` needs TCP, so such tests use curl).
    static func withDaemon<T>(
        host: String? = "127.0.0.1", token: String = "", bodyLimit: Int = 64 << 10,
        retainedFinishedJobs: Int = AntaresManager.defaultRetainedFinishedJobs,
        _ body: (DaemonFixture) async throws -> T
    ) async throws -> T {
        let fixture = try await DaemonFixture(host: host, token: token, bodyLimit: bodyLimit, retainedFinishedJobs: retainedFinishedJobs)
        do {
            let result = try await body(fixture)
            await fixture.stop()
            return result
        } catch {
            await fixture.stop()
            throw error
        }
    }

    private init(host: String?, token: String, bodyLimit: Int, retainedFinishedJobs: Int) async throws {
        scratch = try Scratch()
        repository = try TestRepository(in: scratch)
        let changeList = shell("""
            set -e; cd '\(repository.path)'; git checkout -q -b cl-7
            printf 'from the cl\\n' > cl.txt; git add cl.txt; git -c user.name=t -c user.email=t@x commit -qm cl
            git update-ref refs/cl/7 HEAD; git checkout -q main
            """)
        try #require(changeList.status == 0)

        var config = ScorpioConfig()
        config.storePath = scratch.path.appending("store")
        config.antares.upperRoot = scratch.path.appending("antares/upper")
        config.antares.clRoot = scratch.path.appending("antares/cl")
        config.antares.mountRoot = scratch.path.appending("antares/mnt")
        config.antares.stateFile = scratch.path.appending("antares/state.toml")
        config.antares.baseRoot = scratch.path.appending("antares/bases")
        config.antares.baseLinger = .zero
        config.artifacts.directory = scratch.path.appending("artifacts")
        config.treeSource.repository = repository.path
        let base = BaseSelection(config: config)
        let manager = try JobManagement.manager(
            config: config, base: base, retainedFinishedJobs: retainedFinishedJobs, dictionaries: dictionaries)
        let bind: ScorpioKit.BindAddress = host.map { .tcp(host: $0, port: 0) } ?? .unixSocket(scratch.path.appending("daemon.sock"))
        let settings = DaemonSettings(bind: bind, token: token, bodyLimit: bodyLimit)
        var logger = Logger(label: "scorpio.daemon.test")
        logger.logLevel = .warning
        let daemon = AntaresDaemon(
            service: AntaresService(manager: manager, config: config, base: base, logger: logger), settings: settings, logger: logger)
        self.daemon = daemon
        self.token = token
        running = Task { try await daemon.run(signals: []) }
        switch await daemon.listeningAddress() {
        case .tcp(_, let port): endpoint = URL(string: "http://127.0.0.1:\(port)")!
        case .unixSocket: endpoint = URL(string: "http://localhost")!
        case nil:
            _ = try? await running.value
            throw Errno.addressNotAvailable
        }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 64
        // The daemon runs in this test process, on the same cooperative threads (two on a 2-core host)
        // as the other suites' tests, many of which block theirs on shell commands and mounts: on a
        // loaded host a request can wait minutes for a thread to serve it, though nothing is stuck.
        configuration.timeoutIntervalForRequest = 600
        session = URLSession(configuration: configuration)
    }

    /// Sends a request; `authorized` adds the fixture's token when it has one.
    func send(_ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:], authorized: Bool = true) async throws -> HTTPAnswer {
        var request = URLRequest(url: URL(string: endpoint.absoluteString + path)!)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if authorized && !token.isEmpty { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields[String(describing: name).lowercased()] = String(describing: value) }
        return HTTPAnswer(status: http.statusCode, data: data, headers: fields)
    }

    /// `POST /mounts` with `body`; the answer must be 200.
    func mount(_ body: String) async throws -> MountCreated {
        let answer = try await send("POST", "/mounts", body: body)
        try #require(answer.status == 200, "POST /mounts \(body): \(answer.status) \(answer.text)")
        return try answer.decoded(MountCreated.self)
    }

    /// The mountpoints below the scratch directory.
    /// The jobs' mounts (the shared bases they stand on are mounted elsewhere under the scratch directory).
    /// The jobs' unions (the host's objects bound in each job's `.git` left out).
    var mounts: [String] { mountpoints(under: scratch.path.appending("antares/mnt")).filter { !$0.hasSuffix("/.git/host-objects") } }

    func stop() async {
        await daemon.shutdown()
        _ = try? await running.value
        session.invalidateAndCancel()
        for mountpoint in waitUntilNothingIsMounted(under: scratch.path).reversed() { _ = umount2(mountpoint, Int32(MNT_DETACH)) }
    }
}
