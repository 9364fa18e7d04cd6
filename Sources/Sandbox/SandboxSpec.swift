import SystemPackage

/// What a job's command runs in: the command, its environment, the workspace bound read-write over a
/// read-only host, and the isolation applied around it.
public struct SandboxSpec: Sendable, Equatable {
    /// The program (a path, or a name looked up in the environment's `PATH`) and its arguments.
    public var command: String
    public var arguments: [String]
    /// The command's whole environment; nothing is inherited.
    public var environment: [String: String]
    /// The job's union, bound read-write at `target`; `nil` leaves the host read-only everywhere.
    public var workspace: WorkspaceBinding?
    public var workingDirectory: FilePath
    /// Host paths bound read-write at their own place.
    public var writablePaths: [FilePath]
    public var network: NetworkMode
    /// A new user namespace with these id mappings; `nil` keeps the caller's (root stays root, with
    /// every capability, held back by the seccomp filter and the read-only mounts).
    public var userNamespace: UserNamespace?
    /// The identity the command runs as; `nil` keeps the caller's.
    public var user: UserIdentity?
    public var capabilities: CapabilityPolicy
    public var seccomp: SeccompPolicy
    /// A fresh tmpfs at /tmp (and /dev/shm), so the job neither sees nor touches the host's.
    public var privateTmp: Bool
    public var devices: DeviceMode
    /// The command's soft limit on open files; `nil` keeps this process's.
    public var openFilesLimit: UInt64?

    public init(
        command: String,
        arguments: [String] = [],
        environment: [String: String] = SandboxSpec.defaultEnvironment,
        workspace: WorkspaceBinding? = nil,
        workingDirectory: FilePath = "/",
        writablePaths: [FilePath] = [],
        network: NetworkMode = .host,
        userNamespace: UserNamespace? = nil,
        user: UserIdentity? = nil,
        capabilities: CapabilityPolicy = .dockerDefault,
        seccomp: SeccompPolicy = .default,
        privateTmp: Bool = true,
        devices: DeviceMode = .minimal
    ) {
        self.command = command
        self.arguments = arguments
        self.environment = environment
        self.workspace = workspace
        self.workingDirectory = workingDirectory
        self.writablePaths = writablePaths
        self.network = network
        self.userNamespace = userNamespace
        self.user = user
        self.capabilities = capabilities
        self.seccomp = seccomp
        self.privateTmp = privateTmp
        self.devices = devices
    }

    public static let defaultEnvironment: [String: String] = [
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
    ]
}

/// A host directory (the job's union) bound read-write at `target` inside the sandbox.
public struct WorkspaceBinding: Sendable, Equatable {
    public var source: FilePath
    public var target: FilePath

    public init(source: FilePath, target: FilePath) {
        self.source = source
        self.target = target
    }
}

public enum NetworkMode: String, Sendable, Equatable {
    /// The host's network namespace.
    case host
    /// A new network namespace holding only the loopback interface, up.
    case none
}

public struct UserIdentity: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32

    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }
}

public enum DeviceMode: String, Sendable, Equatable {
    /// A tmpfs /dev holding only null, zero, full, random, urandom and tty (bound from the host), a new
    /// devpts instance (/dev/pts, /dev/ptmx), a private /dev/shm and the fd/stdin/stdout/stderr links.
    case minimal
    /// The host's /dev, read-only like the rest of the host: device nodes stay usable, disks included.
    case host
}

public enum SeccompPolicy: Sendable, Equatable {
    /// ``SeccompProfile/default``: a Docker-like deny-list.
    case `default`
    /// No filter at all.
    case none
    /// An OCI/Docker JSON seccomp profile file.
    case profile(FilePath)
}
