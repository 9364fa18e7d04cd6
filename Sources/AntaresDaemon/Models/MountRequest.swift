/// `POST /mounts`: which part of the monorepo, which change list, and the id that makes the request
/// idempotent (`job_id`, else `build_id`).
public struct MountRequest: Sendable, Equatable, Codable {
    public var jobID: String?
    public var buildID: String?
    public var path: String
    public var cl: String?
    /// `UID:GID` of the build user the job's tree is served to (a Scorpio extension of the API).
    public var user: String?

    public init(jobID: String? = nil, buildID: String? = nil, path: String, cl: String? = nil, user: String? = nil) {
        self.jobID = jobID
        self.buildID = buildID
        self.path = path
        self.cl = cl
        self.user = user
    }

    enum CodingKeys: String, CodingKey { case jobID = "job_id", buildID = "build_id", path, cl, user }
}

/// `POST /mounts/{id}/cl`.
public struct ChangeListRequest: Sendable, Equatable, Codable {
    public var cl: String

    public init(cl: String) {
        self.cl = cl
    }
}
