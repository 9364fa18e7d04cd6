import Antares
import Hummingbird

/// Upstream's error codes, with the HTTP status each is sent with.
public enum DaemonErrorCode: String, Sendable, Codable, CaseIterable {
    case invalidRequest = "INVALID_REQUEST"
    case badPayload = "BAD_PAYLOAD"
    case notFound = "NOT_FOUND"
    case fuseError = "FUSE_ERROR"
    case internalError = "INTERNAL_ERROR"
    case shutdown = "SHUTDOWN"
    /// Not upstream's (it has no authentication): a missing or wrong bearer token.
    case unauthorized = "UNAUTHORIZED"
}

/// An error the API answers with: `{"error": message, "code": code}` and an HTTP status.
public struct DaemonError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: DaemonErrorCode
    public var status: HTTPResponse.Status
    public var message: String
    /// The mount concerned, when the answer describes it (an unmount that failed).
    public var mount: MountStatus?

    public init(_ code: DaemonErrorCode, status: HTTPResponse.Status? = nil, _ message: String, mount: MountStatus? = nil) {
        self.code = code
        self.status = status ?? code.defaultStatus
        self.message = message
        self.mount = mount
    }

    public var description: String { "\(code.rawValue): \(message)" }

    static func invalid(_ message: String) -> DaemonError { DaemonError(.invalidRequest, message) }
    static func badPayload(_ message: String) -> DaemonError { DaemonError(.badPayload, message) }
    static func notFound(_ message: String) -> DaemonError { DaemonError(.notFound, message) }
    static func `internal`(_ message: String) -> DaemonError { DaemonError(.internalError, message) }

    /// The manager's error as the API reports it.
    init(_ error: ManagerError) {
        switch error {
        case .conflict(let job, let existing, let requested):
            self.init(.invalidRequest, "job \(job) is already mounted with path '/\(existing.path)' and cl \(existing.cl ?? "none"); it cannot be mounted again with path '/\(requested.path)' and cl \(requested.cl ?? "none")")
        case .invalidJobID, .mountpointOccupied, .changeList, .heldElsewhere: self.init(.invalidRequest, "\(error)")
        case .unknownJob: self.init(.notFound, "\(error)")
        case .union: self.init(.fuseError, "\(error)")
        // The client named a directory the base does not have.
        case .base(.pathNotFound), .base(.notADirectory): self.init(.invalidRequest, "\(error)")
        case .base, .state: self.init(.internalError, "\(error)")
        }
    }
}

extension DaemonErrorCode {
    var defaultStatus: HTTPResponse.Status {
        switch self {
        case .invalidRequest, .badPayload: .badRequest
        case .notFound: .notFound
        case .fuseError, .internalError: .internalServerError
        case .shutdown: .serviceUnavailable
        case .unauthorized: .unauthorized
        }
    }
}

/// The JSON body of every error.
struct ErrorBody: Codable, Sendable {
    var error: String
    var code: String
}
