import Dicfuse

/// Why the manager refused or failed; each case names the job, path or CL concerned.
public enum ManagerError: Error, Equatable, CustomStringConvertible {
    case invalidJobID(String, reason: String)
    case conflict(JobID, existing: JobSpec, requested: JobSpec)
    case mountpointOccupied(String, by: String)
    case unknownJob(JobID)
    /// Another live process mounted the job and unmounts it itself (a `scorpio run`, the daemon, an
    /// export).
    case heldElsewhere(JobID, server: JobServer, pid: Int32)
    case base(SourceError)
    case changeList(String, reason: String)
    case union(AntaresError)
    case state(String, reason: String)

    public var description: String {
        switch self {
        case .invalidJobID(let text, let reason): "invalid job id '\(text)': \(reason)"
        case .conflict(let job, let existing, let requested):
            "job \(job) is already mounted with path '\(existing.path)' and cl \(existing.cl ?? "none"); it cannot be mounted again with path '\(requested.path)' and cl \(requested.cl ?? "none")"
        case .mountpointOccupied(let path, let by): "\(path) is already in use by \(by)"
        case .unknownJob(let job): "no job \(job)"
        case .heldElsewhere(let job, .run, let pid):
            "job \(job) belongs to a running `scorpio run` (pid \(pid)), which unmounts it when its command ends; end the command (kill -INT \(pid)) to end the job"
        case .heldElsewhere(let job, .daemon, let pid):
            "job \(job) is served by `scorpio serve` (pid \(pid)); unmount it through the daemon (`scorpio umount --daemon URL \(job)`)"
        case .heldElsewhere(let job, .export, let pid):
            "job \(job) is mounted by `scorpio export` (pid \(pid)) for its export, which unmounts it when done"
        case .heldElsewhere(let job, .mount, let pid): "job \(job) is served by `scorpio mount` (pid \(pid))"
        case .base(let error): "\(error)"
        case .changeList(let cl, let reason): "change list \(cl): \(reason)"
        case .union(let error): "\(error)"
        case .state(let path, let reason): "state file \(path): \(reason)"
        }
    }
}
