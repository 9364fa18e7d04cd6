import ScorpioKit

/// How the daemon listens and whom it answers: from `http_bind`, `api_token` (or
/// `SCORPIO_DAEMON_TOKEN`) and `http_body_limit`.
public struct DaemonSettings: Sendable, Equatable {
    public var bind: ScorpioKit.BindAddress
    /// Empty for none; required beyond loopback.
    public var token: String
    public var bodyLimit: Int
    /// The compression of `/artifact` answers when the request names none.
    public var defaultCompression: LayerCompression

    public init(bind: ScorpioKit.BindAddress, token: String = "", bodyLimit: Int = 64 << 10, defaultCompression: LayerCompression = .gzip) {
        self.bind = bind
        self.token = token
        self.bodyLimit = bodyLimit
        self.defaultCompression = defaultCompression
    }

    public init(config: ScorpioConfig) {
        self.init(
            bind: config.server.httpBind, token: config.server.apiToken, bodyLimit: config.server.httpBodyLimit.bytes,
            defaultCompression: LayerCompression(rawValue: config.artifacts.compression.rawValue) ?? .gzip)
    }

    /// Refuses to listen beyond loopback without a token.
    public func validate() throws(DaemonStartError) {
        if !bind.isLoopback && token.isEmpty { throw .tokenRequired(bind) }
    }
}

/// Why the daemon did not start.
public enum DaemonStartError: Error, Equatable, ScorpioFailure {
    case tokenRequired(ScorpioKit.BindAddress)
    case bindFailed(ScorpioKit.BindAddress, reason: String)

    public var description: String {
        switch self {
        case .tokenRequired(let address):
            "refusing to listen on \(address) without a token: anyone who can reach it could mount and read the monorepo; set api_token in scorpio.toml or SCORPIO_DAEMON_TOKEN, or listen on loopback or a unix socket"
        case .bindFailed(let address, let reason): "cannot listen on \(address): \(reason)"
        }
    }

    public var exitStatus: ScorpioExitStatus {
        switch self {
        case .tokenRequired: .configError
        case .bindFailed: .httpBindFailure
        }
    }
}
