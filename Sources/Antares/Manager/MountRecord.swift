import Dicfuse

/// What a job asks for: which part of the base and which change list.
public struct JobSpec: Sendable, Equatable {
    /// A directory of the base to serve as the root; empty for the whole tree.
    public var path: String
    /// The change list, if any.
    public var cl: String?
    /// The base repository and revision the job asked for (nil: the configured default).
    public var repository: String?
    public var revision: String?
    /// The build user the job's tree belongs to (`--user UID:GID`); nil: served as the server's.
    public var owner: FileOwner?

    public init(path: String = "", cl: String? = nil, repository: String? = nil, revision: String? = nil, owner: FileOwner? = nil) {
        self.path = path
        self.cl = cl
        self.repository = repository
        self.revision = revision
        self.owner = owner
    }
}

/// One job's mount as the state file records it.
public struct MountRecord: Sendable, Equatable {
    public var mountID: String
    public var jobID: JobID
    public var spec: JobSpec
    public var mountpoint: String
    public var upper: String
    public var changeList: String?
    public var driver: String
    /// What the base is (`TreeSource.identity`).
    public var base: String
    public var state: MountLifecycle
    /// The process serving the mount.
    public var pid: Int32
    /// What kind of process that is; nil in records written before it was recorded.
    public var server: JobServer?
    /// When that process started, which tells it from a later process given the same pid; nil in
    /// records written before it was recorded.
    public var serverStart: ProcessStart? = nil
    public var createdAtEpochMilliseconds: Int64
    public var lastSeenEpochMilliseconds: Int64
}
