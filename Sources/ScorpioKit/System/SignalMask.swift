import Glibc

/// The calling thread's signal mask, changed for a while.
public enum SignalMask {
    /// Blocks `signals` on this thread and returns the mask it had, for ``restore(_:)``.
    public static func blocking(_ signals: [Int32]) -> sigset_t {
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        for signal in signals { sigaddset(&blocked, signal) }
        sigprocmask(SIG_BLOCK, &blocked, &previous)
        return previous
    }

    /// Gives this thread back the mask `blocking` returned.
    public static func restore(_ mask: sigset_t) {
        var mask = mask
        sigprocmask(SIG_SETMASK, &mask, nil)
    }
}
