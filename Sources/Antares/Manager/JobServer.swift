/// The kind of process that mounted a job, and so how long its hold on the job (its lease on the
/// base, its upper) lasts.
public enum JobServer: String, Sendable, CaseIterable {
    /// `scorpio mount`: serves only this job and exits once its mount is gone.
    case mount
    /// `scorpio run`: its command runs in the job's view; it unmounts when the command ends.
    case run
    /// `scorpio serve`: serves many jobs, each unmounted through its API.
    case daemon
    /// `scorpio export`: mounts a kept upper again for the export's length.
    case export
}
