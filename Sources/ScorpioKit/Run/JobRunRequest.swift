import Antares
import Artifact
import Sandbox
import SystemPackage

/// Everything `scorpio run` was asked to do.
public struct JobRunRequest: Sendable {
    public var command: [String]
    public var jobID: JobID?
    /// Base repository, revision, subdirectory and change list.
    public var spec: JobSpec
    /// Build the revision alone, without the work tree's uncommitted changes.
    public var clean = false
    /// Where the command starts (default: the caller's directory, at the same place in the workspace).
    public var workingDirectory: FilePath?
    /// Where the union appears to the command (default: the work tree's own path).
    public var workspace: FilePath?
    public var writablePaths: [FilePath] = []
    public var network: NetworkMode = .host
    public var seccomp: SeccompPolicy = .default
    /// The build user: the command runs as them, and the job's tree is served as theirs.
    public var user: FileOwner?
    /// Variables set for the command over the caller's environment.
    public var environment: [String: String] = [:]
    public var artifact: FilePath?
    public var compression: LayerCompression = .gzip
    public var filter: PathFilter = .everything
    /// Keep the job's upper directory (and the job) after the run.
    public var keep = false

    public init(command: [String], spec: JobSpec) {
        self.command = command
        self.spec = spec
    }
}

/// How a run ended.
public struct JobRunOutcome: Sendable {
    public var jobID: JobID
    /// The command's status, or 125/126/127 when it never ran.
    public var exitStatus: Int32
    public var export: JobExport?
    public var manifestJSON: String?
}

/// Why a run failed before its command ran (exit status 125).
public struct JobRunError: Error, ScorpioFailure, CustomStringConvertible {
    public var description: String
    public var exitStatus: ScorpioExitStatus { .runSetupFailure }

    init(_ description: String) { self.description = description }
}
