import CSyscalls
import Glibc
import SystemPackage

/// Serving a mount from a background process, the way FUSE tools do: the command re-runs itself in
/// the foreground as a new session with its output detached, and returns once that process reports the
/// mount ready (or why it failed) over a pipe.
public enum BackgroundServer {
    /// The option that carries the report pipe's descriptor to the background process.
    public static let readyOption = "--ready-fd"

    /// Starts `executable arguments… --ready-fd 3` detached and waits for its report. Returns the
    /// child's pid once it says it is ready.
    public static func start(executable: FilePath, arguments: [String]) throws(BackgroundServerError) -> pid_t {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw .spawnFailed(Errno(rawValue: errno)) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 3)
        // Nothing else the caller had open may outlive it in the server (a caller waiting for EOF on a
        // pipe it gave us would wait for as long as the mount lives).
        posix_spawn_file_actions_addclosefrom_np(&actions, 4)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK) | scorpio_posix_spawn_setsid)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable.string] + arguments + [readyOption, "3"]).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable.string, &actions, &attributes, argv, environ)
        close(ends[1])
        defer { close(ends[0]) }
        guard spawned == 0 else { throw .spawnFailed(Errno(rawValue: spawned)) }

        var report: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(ends[0], &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            report += chunk[..<count]
        }
        let text = String(decoding: report, as: UTF8.self)
        if text.hasPrefix("ready") { return pid }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        throw .failed(text.isEmpty ? "the background process ended (status \(status)) without a report" : text)
    }

    /// In the background process: says the mount is ready, or why it failed, and closes the pipe.
    public static func report(to descriptor: Int32, _ message: String) {
        _ = message.withCString { write(descriptor, $0, strlen($0)) }
        close(descriptor)
    }
}

public enum BackgroundServerError: Error, ScorpioFailure, Equatable {
    case spawnFailed(Errno)
    case failed(String)

    public var description: String {
        switch self {
        case .spawnFailed(let errno): "cannot start the background server: \(errno)"
        case .failed(let message): message
        }
    }

    public var exitStatus: ScorpioExitStatus { .mountFailure }
}
