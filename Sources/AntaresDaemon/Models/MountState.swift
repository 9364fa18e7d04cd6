import Antares

/// A mount's state as upstream's API writes it: a bare name (`"Ready"`), or `{"Failed":{"reason":…}}`.
/// The states are the manager's (``MountLifecycle``); only their JSON differs from the state file's.
public struct MountState: Sendable, Equatable, Codable, CustomStringConvertible {
    public var lifecycle: MountLifecycle

    public init(_ lifecycle: MountLifecycle) { self.lifecycle = lifecycle }

    public static let provisioning = MountState(.provisioning)
    public static let mounted = MountState(.mounted)
    public static let ready = MountState(.ready)
    public static let quiescing = MountState(.quiescing)
    public static let unmounting = MountState(.unmounting)
    public static let unmounted = MountState(.unmounted)
    public static func failed(reason: String) -> MountState { MountState(.failed(reason: reason)) }

    public var description: String { lifecycle.description }

    private struct FailedBody: Codable {
        var reason: String
    }

    private enum FailedKey: String, CodingKey { case failed = "Failed" }

    public init(from decoder: any Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            let states: [MountState] = [.provisioning, .mounted, .ready, .quiescing, .unmounting, .unmounted]
            guard let state = states.first(where: { $0.lifecycle.name == name }) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown state \(name)"))
            }
            self = state
            return
        }
        let container = try decoder.container(keyedBy: FailedKey.self)
        self = .failed(reason: try container.decode(FailedBody.self, forKey: .failed).reason)
    }

    public func encode(to encoder: any Encoder) throws {
        if case .failed(let reason) = lifecycle {
            var container = encoder.container(keyedBy: FailedKey.self)
            try container.encode(FailedBody(reason: reason), forKey: .failed)
        } else {
            var container = encoder.singleValueContainer()
            try container.encode(lifecycle.name)
        }
    }
}
