import Glibc

/// The calling thread's signal mask.
public enum SignalMask {
    /// Blocks `signals` on this thread, besides those it blocks already.
    public static func block(_ signals: [Int32]) {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        for signal in signals { sigaddset(&blocked, signal) }
        sigprocmask(SIG_BLOCK, &blocked, nil)
    }

    /// Blocks no signal on this thread from now on.
    public static func unblockAll() {
        var empty = sigset_t()
        sigemptyset(&empty)
        sigprocmask(SIG_SETMASK, &empty, nil)
    }
}
