import Antares
import CSyscalls
import Dicfuse
import Foundation
import FuseKit
import Glibc
import Synchronization
import SystemPackage

/// The host's read-only bases, one per (source, revision, sub-path, owner, content store), shared by
/// every job that needs one: the first job starts the base's server (`scorpio base host`, a process of
/// its own), the next ones find it through the bases root and take a lease. A base stays
/// `base_linger` seconds after its last lease, then its server unmounts it and ends; a base whose
/// server died is cleaned away and started anew by the next job. See docs/antares.md.
public struct SharedBases: Sendable {
    public let root: FilePath
    let config: ScorpioConfig

    public init(config: ScorpioConfig) {
        self.config = config
        root = config.antares.baseRoot
    }

    /// A lease on the base `selection` names, served as `owner`'s if given; `holder` says who holds it
    /// (`scorpio base list` shows it). With `dictionaries`, the lease carries the base's dictionary
    /// held by this process. `whileStarting` is work for the lease's holder that needs the revision
    /// (its full id) and the base's directory but not its mount: done while a server this call starts
    /// starts, and not at all for a base already served.
    public func lease(
        _ selection: BaseSelection, owner: FileOwner?, holder: String, dictionaries: BaseDictionaries? = nil,
        whileStarting: (@Sendable (_ revisionID: String, _ directory: FilePath) -> Void)? = nil
    ) throws -> SharedBaseLease {
        let source = try selection.openSource(config: config)
        let spec = makeSpec(selection, source: source, owner: owner)
        let directory = SharedBaseDirectory(root: root, key: Self.key(identity: source.identity, owner: owner, store: spec.storePath))
        return try directory.withCreationLock {
            var started = false
            if !(directory.serverIsAlive && directory.isMounted) {
                directory.removeRemains()
                var alongside: (@Sendable () -> Void)?
                if let whileStarting {
                    let revisionID = source.revision.id.hex
                    let path = directory.path
                    alongside = { whileStarting(revisionID, path) }
                }
                try start(spec, in: directory, alongside: alongside)
                started = true
            }
            let dictionary = try dictionaries?.dictionary(key: directory.key, mountpoint: directory.mountpoint, source: source, spec: spec)
            return try SharedBaseLease(
                on: directory, identity: source.identity, revisionID: source.revision.id.hex, holder: holder,
                startedTheBase: started, dictionary: dictionary)
        }
    }

    /// The directory name of a base: a hash of what it serves, for whom, and from which content store
    /// (two configurations with their own stores never share a base).
    static func key(identity: String, owner: FileOwner?, store: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(identity)\u{0}\(owner?.description ?? "")\u{0}\(store)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    private func makeSpec(_ selection: BaseSelection, source: any TreeSource, owner: FileOwner?) -> SharedBaseSpec {
        let repository: String?
        switch selection.kind {
        case .dir: repository = (selection.directory ?? selection.repository).map { absolute($0) }
        case .git: repository = absolute(selection.repository ?? ".")
        case .mega: repository = nil
        }
        return SharedBaseSpec(
            kind: selection.kind, repository: repository,
            revision: selection.kind == .git ? source.revision.id.description : selection.revision,
            subdirectory: selection.subdirectory, megaBaseURL: config.server.baseURL.absoluteString,
            megaConnectTimeoutSeconds: Int(config.dicfuse.connectTimeout.components.seconds),
            megaFetchTimeoutSeconds: Int(config.dicfuse.fetchDirectoryTimeout.components.seconds),
            megaRetries: config.dicfuse.fetchDirectoryMaxRetries, owner: owner, storePath: absolute(config.storePath),
            prefetchDepth: config.antares.loadDirectoryDepth, prefetchThreads: config.dicfuse.importConcurrency,
            lingerSeconds: Int(config.antares.baseLinger.components.seconds), identity: source.identity)
    }

    private func absolute(_ path: FilePath) -> String {
        path.isAbsolute ? path.string : FilePath(FileManager.default.currentDirectoryPath).pushing(path).lexicallyNormalized().string
    }

    /// Starts the base's server and waits until it serves (or says why it cannot), doing `alongside`
    /// meanwhile.
    private func start(_ spec: SharedBaseSpec, in directory: SharedBaseDirectory, alongside: (@Sendable () -> Void)?) throws {
        for path in [directory.path, directory.mountpoint, directory.leases] {
            try FileManager.default.createDirectory(atPath: path.string, withIntermediateDirectories: true)
        }
        try spec.write(to: directory.spec)
        if let size = try? FileManager.default.attributesOfItem(atPath: directory.log.string)[.size] as? Int, size > 1 << 20 {
            truncate(directory.log.string, 0)
        }
        let executable = try ScorpioExecutable.locate()
        var ends: [Int32] = [0, 0]
        guard pipe2(&ends, O_CLOEXEC) == 0 else { throw SharedBaseError.cannotStart(directory.path, "pipe: \(Errno(rawValue: errno))") }
        defer { close(ends[0]) }
        let pid: pid_t
        do {
            pid = try spawnDetached(
                [executable.string, "base", "host", directory.path.string, "--report-fd", "3"], report: ends[1], log: directory.log)
        } catch {
            close(ends[1])
            throw SharedBaseError.cannotStart(directory.path, "\(error)")
        }
        close(ends[1])
        let reportEnd = ends[0]
        let reported = Mutex("")
        onThreads(alongside == nil ? 1 : 2) { worker in
            if worker == 0 { reported.withLock { $0 = readReport(reportEnd) } } else { alongside?() }
        }
        let report = reported.withLock { $0 }
        // The spawned process forks the server and ends at once (`scorpio base host`), so this one
        // has no child to reap later, nor a thread to do it.
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard report.hasPrefix("ready") else {
            let log = (try? String(contentsOfFile: directory.log.string, encoding: .utf8)) ?? ""
            let reason = report.isEmpty ? log.split(separator: "\n").suffix(3).joined(separator: "; ") : report
            directory.removeRemains()
            throw SharedBaseError.cannotStart(directory.path, reason.isEmpty ? "its server ended without a word (status \(status))" : reason)
        }
    }

    /// Starts `arguments` in a session of its own, with `report` as descriptor 3, stdout and stderr
    /// appended to `log`, nothing else open and no signal blocked.
    private func spawnDetached(_ arguments: [String], report: Int32, log: FilePath) throws(Errno) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.string, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO)
        posix_spawn_file_actions_adddup2(&actions, report, 3)
        posix_spawn_file_actions_addclosefrom_np(&actions, 4)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | scorpio_posix_spawn_setsid)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard result == 0 else { throw Errno(rawValue: result) }
        return pid
    }

    private func readReport(_ descriptor: Int32) -> String {
        String(decoding: DescriptorReading.toEnd(descriptor), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Why a shared base could not be had.
public enum SharedBaseError: Error, ScorpioFailure, CustomStringConvertible {
    case cannotStart(FilePath, String)
    case noExecutable(String)

    public var description: String {
        switch self {
        case .cannotStart(let directory, let reason): "cannot start the base at \(directory): \(reason)"
        case .noExecutable(let reason): "cannot find the scorpio binary to serve bases: \(reason)"
        }
    }

    public var exitStatus: ScorpioExitStatus { .mountFailure }
}

/// The `scorpio` executable that serves bases and probes the host: this process's own when it is the
/// command (whatever its file is called: a copy, `scorpio-overlay`), else one named `scorpio` beside
/// this process's executable (a test runner's) or on PATH.
public enum ScorpioExecutable {
    private static let isThisProcess = Mutex(false)

    /// Called by the `scorpio` command at start: the executable of this process is Scorpio's.
    public static func declareThisProcess() { isThisProcess.withLock { $0 = true } }

    static func locate() throws(SharedBaseError) -> FilePath {
        guard let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            throw .noExecutable("/proc/self/exe is unreadable")
        }
        let ownPath = FilePath(own)
        if isThisProcess.withLock({ $0 }) || ownPath.lastComponent?.string == "scorpio" { return ownPath }
        let sibling = ownPath.removingLastComponent().appending("scorpio")
        if access(sibling.string, X_OK) == 0 { return sibling }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = FilePath(String(directory)).appending("scorpio")
            if access(candidate.string, X_OK) == 0 { return candidate }
        }
        throw .noExecutable("none beside \(ownPath) or on PATH")
    }
}
