import Antares

/// A mount's state as upstream's API writes it: a bare name (`"Ready"`), or `{"Failed":{"reason":…}}`.
public enum MountState: Sendable, Equatable, Codable, CustomStringConvertible {
    case provisioning, mounted, ready, quiescing, unmounting, unmounted
    case failed(reason: String)

    public init(_ lifecycle: MountLifecycle) {
        switch lifecycle {
        case .provisioning: self = .provisioning
        case .mounted: self = .mounted
        case .ready: self = .ready
        case .quiescing: self = .quiescing
        case .unmounting: self = .unmounting
        case .unmounted: self = .unmounted
        case .failed(let reason): self = .failed(reason: reason)
        }
    }

    public var name: String {
        switch self {
        case .provisioning: "Provisioning"
        case .mounted: "Mounted"
        case .ready: "Ready"
        case .quiescing: "Quiescing"
        case .unmounting: "Unmounting"
        case .unmounted: "Unmounted"
        case .failed: "Failed"
        }
    }

    public var description: String {
        if case .failed(let reason) = self { return "Failed: \(reason)" }
        return name
    }

    private struct FailedBody: Codable {
        var reason: String
    }

    private enum FailedKey: String, CodingKey { case failed = "Failed" }

    public init(from decoder: any Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            let states: [MountState] = [.provisioning, .mounted, .ready, .quiescing, .unmounting, .unmounted]
            guard let state = states.first(where: { $0.name == name }) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown state \(name)"))
            }
            self = state
            return
        }
        let container = try decoder.container(keyedBy: FailedKey.self)
        self = .failed(reason: try container.decode(FailedBody.self, forKey: .failed).reason)
    }

    public func encode(to encoder: any Encoder) throws {
        if case .failed(let reason) = self {
            var container = encoder.container(keyedBy: FailedKey.self)
            try container.encode(FailedBody(reason: reason), forKey: .failed)
        } else {
            var container = encoder.singleValueContainer()
            try container.encode(name)
        }
    }
}
