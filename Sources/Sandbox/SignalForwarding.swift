import CSandbox
#if canImport(Glibc)
import Glibc
#endif

/// Forwards SIGINT, SIGTERM and SIGHUP received by this process to running sandboxes (a second SIGINT
/// kills them). The handler is C (CSandbox's forwarding.c): a signal handler must only call
/// async-signal-safe functions, and Dispatch signal sources on Linux miss signals other threads do not
/// block.
enum SignalForwarding {
    /// Starts forwarding to `pid`; false when too many sandboxes run at once to track another.
    static func register(_ pid: pid_t) -> Bool {
        scorpio_signal_forwarding_add(pid) == 0
    }

    static func unregister(_ pid: pid_t) {
        scorpio_signal_forwarding_remove(pid)
    }

    /// What receiving `signalNumber` does to the sandbox `pid` (tests call it directly).
    static func deliver(_ signalNumber: Int32, to pid: pid_t) {
        scorpio_signal_forwarding_deliver(signalNumber, pid)
    }
}
