import SystemPackage

/// Where the manager keeps each job's layers and mounts, and its state file (upstream's
/// `antares_upper_root`, `antares_cl_root`, `antares_mount_root`, `antares_state_file`).
public struct AntaresPaths: Sendable, Equatable {
    public var upperRoot: FilePath
    public var changeListRoot: FilePath
    public var mountRoot: FilePath
    public var stateFile: FilePath

    public init(upperRoot: FilePath, changeListRoot: FilePath, mountRoot: FilePath, stateFile: FilePath) {
        self.upperRoot = upperRoot
        self.changeListRoot = changeListRoot
        self.mountRoot = mountRoot
        self.stateFile = stateFile
    }

    /// The job's writes: `{upper_root}/{job}`.
    public func upper(_ job: JobID) -> FilePath { upperRoot.appending(job.rawValue) }
    /// The driver's scratch space, beside the uppers (same filesystem): `{upper_root}/.work/{job}`.
    public func work(_ job: JobID) -> FilePath { upperRoot.appending(".work").appending(job.rawValue) }
    /// The job's change-list layer: `{cl_root}/{job}`.
    public func changeList(_ job: JobID) -> FilePath { changeListRoot.appending(job.rawValue) }
    /// The default mountpoint: `{mount_root}/{job}`.
    public func mountpoint(_ job: JobID) -> FilePath { mountRoot.appending(job.rawValue) }
}
