/// Where a job's mount is in its life, as upstream's API names the states.
public enum MountLifecycle: Sendable, Equatable, Codable, CustomStringConvertible {
    case provisioning, mounted, ready, quiescing, unmounting, unmounted
    case failed(reason: String)

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

    /// Whether the job's union should be mounted in this state.
    public var expectsMount: Bool { [.provisioning, .mounted, .ready, .quiescing].contains(self) }

    private enum CodingKeys: String, CodingKey { case state, reason }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let state = try container.decode(String.self, forKey: .state)
        switch state {
        case "Provisioning": self = .provisioning
        case "Mounted": self = .mounted
        case "Ready": self = .ready
        case "Quiescing": self = .quiescing
        case "Unmounting": self = .unmounting
        case "Unmounted": self = .unmounted
        case "Failed": self = .failed(reason: try container.decodeIfPresent(String.self, forKey: .reason) ?? "")
        default: throw DecodingError.dataCorruptedError(forKey: .state, in: container, debugDescription: "unknown state \(state)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .state)
        if case .failed(let reason) = self { try container.encode(reason, forKey: .reason) }
    }
}
