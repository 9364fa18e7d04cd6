import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import ScorpioKit

/// A client of a running daemon's mount API (what `scorpio mount --daemon URL` uses): one method per
/// route, the API's JSON types in and out, its errors as ``DaemonClientError``.
public struct DaemonClient: Sendable {
    /// The API's root: `http://127.0.0.1:2726`, or `http://host:2725/antares` for a combined server.
    public let endpoint: URL
    public let token: String?

    public init(endpoint: URL, token: String? = nil) {
        self.endpoint = endpoint
        self.token = token?.isEmpty == true ? nil : token
    }

    /// `text` as an endpoint: an http(s) URL with a host.
    public static func endpoint(parsing text: String) throws(DaemonClientError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host?.isEmpty == false
        else { throw .badEndpoint(text) }
        return url
    }

    public func health() async throws(DaemonClientError) -> HealthStatus {
        try await send("GET", ["health"], timeout: 5)
    }

    public func mount(_ request: MountRequest) async throws(DaemonClientError) -> MountCreated {
        try await send("POST", ["mounts"], body: request, timeout: 120)
    }

    public func list() async throws(DaemonClientError) -> MountList {
        try await send("GET", ["mounts"], timeout: 5)
    }

    public func status(mountID: String) async throws(DaemonClientError) -> MountStatus {
        try await send("GET", ["mounts", mountID], timeout: 5)
    }

    public func status(jobID: String) async throws(DaemonClientError) -> MountStatus {
        try await send("GET", ["mounts", "by-job", jobID], timeout: 5)
    }

    public func readiness(mountID: String) async throws(DaemonClientError) -> MountReadiness {
        try await send("GET", ["mounts", mountID, "ready"], timeout: 10)
    }

    public func unmount(mountID: String, keepUpper: Bool = false) async throws(DaemonClientError) -> MountStatus {
        try await send("DELETE", ["mounts", mountID], query: keepUpper ? "keep_upper=true" : nil, timeout: 30)
    }

    public func unmount(jobID: String, keepUpper: Bool = false) async throws(DaemonClientError) -> MountStatus {
        try await send("DELETE", ["mounts", "by-job", jobID], query: keepUpper ? "keep_upper=true" : nil, timeout: 30)
    }

    public func changeChangeList(mountID: String, to cl: String?) async throws(DaemonClientError) -> MountStatus {
        if let cl {
            return try await send("POST", ["mounts", mountID, "cl"], body: ChangeListRequest(cl: cl), timeout: 60)
        }
        return try await send("DELETE", ["mounts", mountID, "cl"], timeout: 60)
    }

    // MARK: - Transport

    private struct NoBody: Encodable {}

    private func send<Answer: Decodable>(
        _ method: String, _ components: [String], query: String? = nil, timeout: TimeInterval
    ) async throws(DaemonClientError) -> Answer {
        try await send(method, components, query: query, body: Optional<NoBody>.none, timeout: timeout)
    }

    private func send<Answer: Decodable, Body: Encodable>(
        _ method: String, _ components: [String], query: String? = nil, body: Body?, timeout: TimeInterval
    ) async throws(DaemonClientError) -> Answer {
        let url = self.url(components, query: query)
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body, let encoded = try? JSONEncoder().encode(body) {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: encoded))
        }
        let status: Int
        let data: Data
        do {
            let response = try await Self.client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            status = Int(response.status.code)
            data = Data(buffer: try await response.body.collect(upTo: Self.answerLimit))
        } catch {
            throw .unreachable(url.absoluteString, reason: Self.describe(error))
        }
        guard (200..<300).contains(status) else {
            let answer = try? JSONDecoder().decode(ErrorBody.self, from: data)
            throw .refused(status: status, code: answer?.code ?? "HTTP_\(status)",
                           message: answer?.error ?? String(decoding: data.prefix(500), as: UTF8.self))
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: data)
        } catch {
            throw .unexpectedAnswer(url.absoluteString, reason: "\(error)")
        }
    }

    /// One client for the process: its connections are reused from request to request. A refused
    /// connection fails the request at once instead of being retried until its timeout.
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(5)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// The longest answer read: a list of every mount of a busy daemon fits many times over.
    private static let answerLimit = 64 << 20

    private static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded: "no answer within the request's timeout"
        case let error as HTTPClientError where error == .connectTimeout: "no connection within 5 s"
        case let error as IOError where error.errnoCode == ECONNREFUSED: "connection refused"
        case let error as NIOConnectionError: error.connectionErrors.first.map { describe($0.error) } ?? "\(error)"
        default: "\(error)"
        }
    }

    private func url(_ components: [String], query: String?) -> URL {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        var text = endpoint.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        for component in components {
            text += "/" + (component.addingPercentEncoding(withAllowedCharacters: allowed) ?? component)
        }
        if let query { text += "?" + query }
        return URL(string: text)!
    }
}

/// Why a request to the daemon failed.
public enum DaemonClientError: Error, Equatable, ScorpioFailure {
    case badEndpoint(String)
    case unreachable(String, reason: String)
    /// The daemon answered with an error: its HTTP status, code and message.
    case refused(status: Int, code: String, message: String)
    case unexpectedAnswer(String, reason: String)

    public var description: String {
        switch self {
        case .badEndpoint(let text): "the daemon URL '\(text)' is not an http or https URL such as http://127.0.0.1:2726"
        case .unreachable(let url, let reason): "cannot reach the daemon at \(url): \(reason)"
        case .refused(let status, let code, let message): "the daemon answered \(status) \(code): \(message)"
        case .unexpectedAnswer(let url, let reason): "the daemon's answer from \(url) could not be read: \(reason)"
        }
    }

    public var exitStatus: ScorpioExitStatus {
        switch self {
        case .refused(_, let code, _) where code == DaemonErrorCode.fuseError.rawValue: .mountFailure
        case .badEndpoint: .usageError
        default: .failure
        }
    }
}
