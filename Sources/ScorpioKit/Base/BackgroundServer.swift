import CSyscalls
import Glibc
import Synchronization
import SystemPackage

/// Serving a mount from a background process, the way FUSE tools do. Either the command forks while
/// it is still single-threaded, the child becomes a new session with its output detached and mounts,
/// and the caller returns once the child reports the mount ready (or why it failed) over a pipe
/// (``fork()``); or the command mounts first and then hands the mount over to a child forked at that
/// point, returning at once (``handOver()``), which spares the caller the wait for another process.
/// Forking rather than starting the binary again saves a whole process start from every mount.
public enum BackgroundServer {
    /// Which side of the fork the caller is on.
    public enum Side: Sendable {
        /// The background process: it mounts, then says so with `reportReady(_:)` (or fails, and
        /// `reportFailure(_:status:)` says why).
        case server
        /// The caller, after the background process `pid` said it is ready (`ready`: the rest of its line).
        case caller(pid: pid_t, ready: String)
    }

    /// Which side of ``handOver()`` the caller is on.
    public enum HandOver: Sendable {
        /// The background process: it serves what the caller mounted.
        case server
        /// The caller, which goes on without the mount: `pid` serves it now.
        case caller(pid: pid_t)
    }

    /// The background process's end of the report pipe until it has reported.
    private static let pendingReport = Mutex<Int32?>(nil)

    /// The descriptors above stderr this process was started with (nil until noted).
    private static let inherited = Mutex<[Int32]?>(nil)

    /// Notes which descriptors above stderr the process was started with, for ``handOver()`` to close
    /// in the background process: a caller waiting for EOF on a pipe it gave us would otherwise wait
    /// for as long as the mount lives. To be called before the process opens anything.
    public static func noteInheritedDescriptors() {
        let open = OpenDescriptors.list().filter { $0 > STDERR_FILENO }
        inherited.withLock { $0 = open }
    }

    /// Forks the background process that serves what this one has mounted, and returns on both sides
    /// without waiting: the mount is ready. The background process detaches as ``fork()``'s does but
    /// keeps what this process opened itself (the mount's locks and handles), closing only the
    /// descriptors noted by ``noteInheritedDescriptors()``, and keeps this thread's signal mask (a
    /// signal the caller blocks waits until the background process handles it). Only for a
    /// single-threaded process.
    ///
    /// `callerWaits`: the caller goes on to wait for the background process's first work. Should the
    /// kernel have queued that process on the caller's CPU (it then starts only once the caller
    /// blocks), the caller moves to the others, so both run at once.
    public static func handOver(callerWaits: Bool = false) throws(BackgroundServerError) -> HandOver {
        try waitUntilSingleThreaded()
        let (pid, previous) = forkHoldingSignals()
        if pid < 0 { throw .spawnFailed(Errno(rawValue: errno)) }
        guard pid == 0 else {
            if callerWaits, let queued = CPUPlacement.of(pid), queued == CPUPlacement.current { _ = CPUPlacement.leave(queued) }
            return .caller(pid: pid)
        }
        newSession(signalMask: previous)
        for descriptor in inherited.withLock({ $0 }) ?? [] { close(descriptor) }
        return .server
    }

    /// Forks the background process and, on the caller's side, waits for its report. Only for a
    /// single-threaded process: a fork copies just the calling thread, so any lock another thread held
    /// would stay held in the child forever.
    public static func fork() throws(BackgroundServerError) -> Side {
        try waitUntilSingleThreaded()
        var ends: [Int32] = [0, 0]
        guard pipe2(&ends, O_CLOEXEC) == 0 else { throw .spawnFailed(Errno(rawValue: errno)) }
        let pid = forkHoldingSignals().pid
        if pid < 0 {
            let error = Errno(rawValue: errno)
            ends.forEach { close($0) }
            throw .spawnFailed(error)
        }
        if pid == 0 {
            close(ends[0])
            detachFromCaller(keeping: ends[1])
            pendingReport.withLock { $0 = ends[1] }
            return .server
        }
        close(ends[1])
        defer { close(ends[0]) }
        let report = String(decoding: DescriptorReading.toEnd(ends[0]), as: UTF8.self)
        if report.hasPrefix(readyPrefix) {
            return .caller(pid: pid, ready: String(report.dropFirst(readyPrefix.count)).trimmingNewlines)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if let failure = Failure(report: report) { throw .failed(failure.message, failure.status) }
        throw .failed("the background process ended (status \(status)) without a report", .mountFailure)
    }

    /// Goes on in a child of this process while this one ends at once: whoever started this process
    /// has no child of its own to reap for as long as the work lasts (init reaps it). Only for a
    /// single-threaded process.
    public static func leaveParent() throws(BackgroundServerError) {
        try waitUntilSingleThreaded()
        let pid = Glibc.fork()
        if pid < 0 { throw .spawnFailed(Errno(rawValue: errno)) }
        if pid > 0 { _exit(ScorpioExitStatus.success.rawValue) }
    }

    /// In the background process: the mount is ready; `message` is for the caller to show. False when
    /// there is nobody to tell (serving in the foreground, or reported already).
    @discardableResult
    public static func reportReady(_ message: String) -> Bool {
        send(readyPrefix + message + "\n")
    }

    /// In the background process: the mount failed; the caller prints `message` and exits with
    /// `status`. False when there is nobody to tell.
    @discardableResult
    public static func reportFailure(_ message: String, status: ScorpioExitStatus) -> Bool {
        send("\(failedPrefix)\(status.rawValue)\n\(message)")
    }

    private static let readyPrefix = "ready "
    private static let failedPrefix = "failed "

    private struct Failure {
        let message: String
        let status: ScorpioExitStatus

        init?(report: String) {
            guard report.hasPrefix(failedPrefix) else { return nil }
            let lines = report.dropFirst(failedPrefix.count).split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
            guard let first = lines.first, let code = Int32(first) else { return nil }
            status = ScorpioExitStatus(rawValue: code)
            message = lines.count > 1 ? String(lines[1]) : ""
        }
    }

    /// A new session with /dev/null for stdio, no signal blocked, and nothing else the caller had open:
    /// a caller waiting for EOF on a pipe it gave us would otherwise wait for as long as the mount lives.
    private static func detachFromCaller(keeping report: Int32) {
        var empty = sigset_t()
        sigemptyset(&empty)
        newSession(signalMask: empty)
        closeRange(from: STDERR_FILENO + 1, to: report - 1)
        closeRange(from: report + 1, to: nil)
    }

    /// Forks with every signal blocked; the caller's side gets its mask back at once, the child keeps
    /// every signal waiting until it has left the caller's session (a Ctrl-C meant for the caller must
    /// not reach it before that). Returns fork's result and the mask the caller had.
    private static func forkHoldingSignals() -> (pid: pid_t, previous: sigset_t) {
        var all = sigset_t(), previous = sigset_t()
        sigfillset(&all)
        sigprocmask(SIG_SETMASK, &all, &previous)
        let pid = Glibc.fork()
        if pid != 0 {
            let forkError = errno
            sigprocmask(SIG_SETMASK, &previous, nil)
            errno = forkError
        }
        return (pid, previous)
    }

    /// Returns once this process has one thread, or throws if it still has more after 0.1 s. A thread
    /// that was joined may still count for a moment: the kernel wakes its joiner before the thread has
    /// quite left the process.
    private static func waitUntilSingleThreaded() throws(BackgroundServerError) {
        for attempt in 0...1000 {
            guard let threads = ThreadCount.current(), threads > 1 else { return }
            if attempt == 1000 { throw .multithreaded(threads) }
            usleep(100)
        }
    }

    /// A new session with /dev/null for stdio and `signalMask` as its signal mask.
    private static func newSession(signalMask: sigset_t) {
        setsid()
        let null = open("/dev/null", O_RDWR)
        if null >= 0 {
            for standard in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] { dup2(null, standard) }
            if null > STDERR_FILENO { close(null) }
        }
        var mask = signalMask
        sigprocmask(SIG_SETMASK, &mask, nil)
    }

    /// Closes descriptors `first...last` (`last` nil: every one from `first` on).
    private static func closeRange(from first: Int32, to last: Int32?) {
        if let last, first > last { return }
        if close_range(UInt32(first), last.map { UInt32($0) } ?? .max, 0) == 0 { return }
        let end = last ?? Int32(clamping: sysconf(Int32(_SC_OPEN_MAX)))
        guard first <= end else { return }
        for descriptor in first...end { close(descriptor) }
    }

    private static func send(_ text: String) -> Bool {
        guard let descriptor = pendingReport.withLock({ pending in defer { pending = nil }; return pending }) else { return false }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { break }
            bytes = bytes.dropFirst(written)
        }
        close(descriptor)
        return true
    }
}

public enum BackgroundServerError: Error, ScorpioFailure, Equatable {
    case spawnFailed(Errno)
    case multithreaded(Int)
    /// The background process's report of why it failed, and the status to exit with.
    case failed(String, ScorpioExitStatus)

    public var description: String {
        switch self {
        case .spawnFailed(let errno): "cannot start the background server: \(errno)"
        case .multithreaded(let threads): "cannot start the background server: the process already has \(threads) threads"
        case .failed(let message, _): message
        }
    }

    public var exitStatus: ScorpioExitStatus {
        if case .failed(_, let status) = self { return status }
        return .mountFailure
    }
}

private extension String {
    var trimmingNewlines: String {
        var text = Substring(self)
        while text.last == "\n" { text = text.dropLast() }
        return String(text)
    }
}
