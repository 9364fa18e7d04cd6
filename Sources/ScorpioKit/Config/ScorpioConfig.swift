import Foundation
import SystemPackage

/// Everything `scorpio.toml` can say, typed. A plain value: pass it to whoever needs it.
///
/// `ScorpioConfig()` holds the defaults. `ConfigLoader` builds one from the file, the environment
/// and the command line; `ConfigKey.all` says which key sets which property.
public struct ScorpioConfig: Sendable, Equatable {
    public var server = ServerSettings()

    /// The upstream client's workspace mount directory.
    public var workspace: FilePath = "/tmp/scorpio-megadir/mount"
    /// The content store: blobs fetched from the tree source, shared by every mount and job.
    public var storePath: FilePath = "/tmp/scorpio-megadir/store"
    /// The size the content store is trimmed back to.
    public var storeMaxBytes: ByteCount = .gibibytes(10)
    /// The upstream client's runtime state file (`config_file`; not this configuration file).
    public var runtimeStateFile: FilePath = "config.toml"
    public var gitAuthor = "MEGA"
    public var gitEmail = "admin@mega.org"
    public var logLevel: LogLevel = .info

    public var dicfuse = DicfuseSettings()
    public var antares = AntaresSettings()

    /// The FUSE device to open.
    public var fuseDevice: FilePath = "/dev/fuse"
    public var unionDriver: UnionDriver = .auto
    public var treeSource = TreeSourceSettings()
    public var artifacts = ArtifactSettings()

    public init() {}
}

/// The Mega server the client talks to, and our own HTTP daemon.
public struct ServerSettings: Sendable, Equatable {
    public var baseURL = URL(string: "http://localhost:8000")!
    /// Git LFS endpoint; nil when unset.
    public var lfsURL: URL? = URL(string: "http://localhost:8000/lfs")!
    /// Where `scorpio serve` listens.
    public var httpBind: BindAddress = .tcp(host: "127.0.0.1", port: 2726)
    /// Bearer token the daemon requires; empty for none (allowed only on loopback).
    public var apiToken = ""
    /// The largest request body the daemon reads; larger ones are refused (413).
    public var httpBodyLimit: ByteCount = .kibibytes(64)

    public init() {}
}

/// Dicfuse knobs that exist twice: once for plain Dicfuse mounts, once for the Dicfuse under Antares.
public struct DicfuseTuning: Sendable, Equatable {
    public var statMode: DicfuseStatMode
    public var openBufferMaxBytes: ByteCount
    public var openBufferMaxFiles: Int
    /// How long a loaded directory is trusted before it is listed again.
    public var directorySyncTTL: Duration
    /// Entry and attribute timeout handed to the kernel.
    public var replyTTL: Duration

    public init(statMode: DicfuseStatMode, openBufferMaxBytes: ByteCount, openBufferMaxFiles: Int,
                directorySyncTTL: Duration, replyTTL: Duration) {
        self.statMode = statMode
        self.openBufferMaxBytes = openBufferMaxBytes
        self.openBufferMaxFiles = openBufferMaxFiles
        self.directorySyncTTL = directorySyncTTL
        self.replyTTL = replyTTL
    }
}

/// The read-only lazy layer over the tree source.
public struct DicfuseSettings: Sendable, Equatable {
    public var readable = true
    /// Directory levels loaded ahead when a directory is first listed.
    public var loadDirectoryDepth = 3
    public var fetchFileThreads = 10
    public var importConcurrency = 4
    public var fetchDirectoryTimeout: Duration = .seconds(10)
    public var connectTimeout: Duration = .seconds(3)
    public var fetchDirectoryMaxRetries = 3
    public var tuning = DicfuseTuning(statMode: .accurate, openBufferMaxBytes: .mebibytes(256),
                                      openBufferMaxFiles: 4096, directorySyncTTL: .seconds(5), replyTTL: .seconds(2))

    public init() {}
}

/// Per-job union mounts.
public struct AntaresSettings: Sendable, Equatable {
    public var upperRoot: FilePath = "/tmp/scorpio-megadir/antares/upper"
    public var clRoot: FilePath = "/tmp/scorpio-megadir/antares/cl"
    public var mountRoot: FilePath = "/tmp/scorpio-megadir/antares/mnt"
    public var stateFile: FilePath = "/tmp/scorpio-megadir/antares/state.toml"
    /// Where the host's shared bases live: one directory (and mount) per base.
    public var baseRoot: FilePath = "/tmp/scorpio-megadir/antares/bases"
    /// How long a shared base stays served after its last job lets go of it.
    public var baseLinger: Duration = .seconds(300)
    public var loadDirectoryDepth = 3
    /// Build-oriented Dicfuse knobs for the base under each Antares mount.
    public var dicfuse = DicfuseTuning(statMode: .fast, openBufferMaxBytes: .mebibytes(64),
                                       openBufferMaxFiles: 1024, directorySyncTTL: .seconds(120), replyTTL: .seconds(60))

    public init() {}
}

/// What a job's base tree is read from.
public struct TreeSourceSettings: Sendable, Equatable {
    public var kind: TreeSourceKind = .git
    /// The repository or directory; nil means the git repository containing the current directory.
    public var repository: FilePath? = nil
    public var revision = "HEAD"
    /// Where a change list's commit is found; `{cl}` is replaced by the CL number.
    public var clRefPattern = "refs/cl/{cl}"

    public init() {}
}

/// Where and how job artifacts are written.
public struct ArtifactSettings: Sendable, Equatable {
    /// Nil for the per-user state directory (``ArtifactSettings/directory(environment:)``).
    public var directory: FilePath? = nil
    public var compression: ArtifactCompression = .gzip

    public init() {}
}
