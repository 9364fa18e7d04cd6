import Antares

/// One mount as the API describes it (upstream's `MountStatus`, plus `build_id`, `driver` and `base`).
public struct MountStatus: Sendable, Equatable, Codable {
    public struct Layers: Sendable, Equatable, Codable {
        public var upper: String
        public var cl: String?
        /// Always `"shared"`: every mount of one base revision shares one Dicfuse.
        public var dicfuse: String
    }

    public var mountID: String
    /// Nil when the client gave none (the manager then knows the mount by a generated job id).
    public var jobID: String?
    public var buildID: String?
    /// The directory of the monorepo mounted as the root, `/` for the whole tree.
    public var path: String
    public var cl: String?
    public var mountpoint: String
    public var layers: Layers
    public var state: MountState
    public var driver: String
    public var base: String
    public var createdAtEpochMilliseconds: Int64
    public var lastSeenEpochMilliseconds: Int64

    enum CodingKeys: String, CodingKey {
        case mountID = "mount_id", jobID = "job_id", buildID = "build_id", path, cl, mountpoint, layers, state, driver, base
        case createdAtEpochMilliseconds = "created_at_epoch_ms", lastSeenEpochMilliseconds = "last_seen_epoch_ms"
    }

    /// `record` as the API shows it; `entry` says what the client asked for it by.
    init(_ record: MountRecord, entry: MountDirectory.Entry?) {
        mountID = record.mountID
        jobID = entry?.jobIDGenerated == true ? nil : record.jobID.rawValue
        buildID = entry?.buildID
        path = "/" + record.spec.path
        cl = record.spec.cl
        mountpoint = record.mountpoint
        layers = Layers(upper: record.upper, cl: record.changeList, dicfuse: "shared")
        state = MountState(record.state)
        driver = record.driver
        base = record.base
        createdAtEpochMilliseconds = record.createdAtEpochMilliseconds
        lastSeenEpochMilliseconds = record.lastSeenEpochMilliseconds
    }

    /// Every field is written, `null` included, as upstream does.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mountID, forKey: .mountID)
        try container.encode(jobID, forKey: .jobID)
        try container.encode(buildID, forKey: .buildID)
        try container.encode(path, forKey: .path)
        try container.encode(cl, forKey: .cl)
        try container.encode(mountpoint, forKey: .mountpoint)
        try container.encode(layers, forKey: .layers)
        try container.encode(state, forKey: .state)
        try container.encode(driver, forKey: .driver)
        try container.encode(base, forKey: .base)
        try container.encode(createdAtEpochMilliseconds, forKey: .createdAtEpochMilliseconds)
        try container.encode(lastSeenEpochMilliseconds, forKey: .lastSeenEpochMilliseconds)
    }
}

extension MountStatus.Layers {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(upper, forKey: .upper)
        try container.encode(cl, forKey: .cl)
        try container.encode(dicfuse, forKey: .dicfuse)
    }
}

/// `GET /mounts`.
public struct MountList: Sendable, Equatable, Codable {
    public var mounts: [MountStatus]
}

/// `POST /mounts` answers with the mount's id and where it is.
public struct MountCreated: Sendable, Equatable, Codable {
    public var mountID: String
    public var mountpoint: String

    enum CodingKeys: String, CodingKey { case mountID = "mount_id", mountpoint }
}

/// `GET /mounts/{id}/ready`.
public struct MountReadiness: Sendable, Equatable, Codable {
    public var mountID: String
    public var ready: Bool
    public var state: MountState

    enum CodingKeys: String, CodingKey { case mountID = "mount_id", ready, state }
}

/// `GET /health`.
public struct HealthStatus: Sendable, Equatable, Codable {
    /// `healthy`, or `degraded` when a mount of this daemon has failed or the daemon is shutting down.
    public var status: String
    public var mountCount: Int
    public var uptimeSeconds: Int64

    enum CodingKeys: String, CodingKey { case status, mountCount = "mount_count", uptimeSeconds = "uptime_secs" }
}
