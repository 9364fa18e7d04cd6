import Dispatch
import Glibc
import Synchronization

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
public enum SignalUnmounter {
    private static let sources = Mutex<[DispatchSourceSignal]>([])
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

    public static func install(signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]) {
        sources.withLock { sources in
            for signo in signals {
                signal(signo, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
                source.setEventHandler {
                    received.withLock { $0 = $0 ?? signo }
                    for cleanup in cleanups.withLock({ $0 }) { cleanup() }
                    unmountAll()
                    cleanedUp.signal()
                    endBySignal(signo)
                }
                source.resume()
                sources.append(source)
            }
        }
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
