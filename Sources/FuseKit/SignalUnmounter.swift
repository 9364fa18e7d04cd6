import CSyscalls
import Dispatch
import Glibc
import Synchronization

/// The write end of ``SignalUnmounter``'s pipe, for its signal handler (set before the handler is).
nonisolated(unsafe) private var signalPipe: Int32 = -1

/// The mounts this process serves, so a signal can unmount them all.
final class MountRegistry: Sendable {
    static let shared = MountRegistry()

    private struct WeakMount: @unchecked Sendable { weak var mount: FuseMount? }
    private let mounts = Mutex<[ObjectIdentifier: WeakMount]>([:])

    func add(_ mount: FuseMount) { mounts.withLock { $0[ObjectIdentifier(mount)] = WeakMount(mount: mount) } }
    func remove(_ mount: FuseMount) { mounts.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(mount)) } }
    var live: [FuseMount] { mounts.withLock { $0.values.compactMap(\.mount) } }
}

/// Unmounts every ``FuseMount`` of this process when a terminating signal arrives, then lets the signal
/// take its default effect, so an interrupted program never leaves a dead mountpoint behind.
///
/// The signal's handler only writes its number to a pipe; a thread of its own reads it and does the
/// work. (Dispatch's signal sources did the same, but starting Dispatch in a fresh process cost a
/// `scorpio mount` 0.6 ms before its view was ready.)
public enum SignalUnmounter {
    private static let installed = Mutex(false)
    private static let received = Mutex<Int32?>(nil)
    private static let cleanups = Mutex<[@Sendable () -> Void]>([])
    private static let cleanedUp = DispatchSemaphore(value: 0)

    /// Runs `cleanup` when a terminating signal arrives, before the FUSE mounts are unmounted (for mounts
    /// stacked on them, such as a kernel overlay over a FUSE lower).
    public static func onSignal(_ cleanup: @escaping @Sendable () -> Void) {
        cleanups.withLock { $0.append(cleanup) }
    }

    /// The terminating signal that arrived, if one did.
    public static var receivedSignal: Int32? { received.withLock { $0 } }

    /// The signals ``install(signals:)`` handles unless told otherwise.
    public static let terminatingSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Handles `signals` from now on; a second call changes nothing.
    public static func install(signals: [Int32] = terminatingSignals) {
        installed.withLock { installed in
            guard !installed else { return }
            var ends: [Int32] = [-1, -1]
            // No pipe, no handler: the signals keep their default effect.
            guard pipe2(&ends, O_CLOEXEC) == 0 else { return }
            signalPipe = ends[1]
            let previous = signals.map { signo in (signo, handleByPipe(signo)) }
            let readEnd = ends[0]
            guard startDetachedThread({ handleSignals(signals, from: readEnd) }) == nil else {
                for (signo, action) in previous { withUnsafePointer(to: action) { _ = sigaction(signo, $0, nil) } }
                close(ends[0])
                close(ends[1])
                return
            }
            installed = true
        }
    }

    /// Points `signo` at the handler that writes its number to the pipe; returns what handled it before.
    private static func handleByPipe(_ signo: Int32) -> sigaction {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signo in
            let saved = errno
            var number = UInt8(truncatingIfNeeded: signo)
            _ = write(signalPipe, &number, 1)
            errno = saved
        }
        action.sa_flags = SA_RESTART
        sigemptyset(&action.sa_mask)
        var previous = sigaction()
        sigaction(signo, &action, &previous)
        return previous
    }

    /// The handling thread: takes `signals` even where the process inherited them blocked (its other
    /// threads may all block them), waits for the first, cleans up, and ends the process by it.
    private static func handleSignals(_ signals: [Int32], from readEnd: Int32) {
        var set = sigset_t()
        sigemptyset(&set)
        for signo in signals { sigaddset(&set, signo) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        var number: UInt8 = 0
        while true {
            let count = read(readEnd, &number, 1)
            if count == 1 { break }
            if count < 0 && errno == EINTR { continue }
            return
        }
        let signo = Int32(number)
        received.withLock { $0 = $0 ?? signo }
        for cleanup in cleanups.withLock({ $0 }) { cleanup() }
        unmountAll()
        cleanedUp.signal()
        endBySignal(signo)
    }

    /// Ends the process by the signal that arrived, if one did, so its parent sees why it ended. Call it
    /// where a program would otherwise exit normally once its mounts are gone: their unmount may be the
    /// handler's own, still at work on what follows it (a job's record), so the handler is let finish.
    public static func exitIfSignalled() {
        guard let signo = receivedSignal else { return }
        _ = cleanedUp.wait(timeout: .now() + .seconds(30))
        endBySignal(signo)
    }

    private static func endBySignal(_ signo: Int32) {
        signal(signo, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signo)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)  // a mask inherited from the parent must not swallow it
        raise(signo)
    }

    /// Unmounts every live mount of this process, lazily where busy.
    public static func unmountAll() {
        for mount in MountRegistry.shared.live {
            try? mount.unmount(lazy: true)
        }
    }
}
