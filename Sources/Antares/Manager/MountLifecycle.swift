/// Where a job's mount is in its life, as upstream's API names the states.
public enum MountLifecycle: Sendable, Equatable, CustomStringConvertible {
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
}
