import Glibc

/// A counting semaphore for threads outside Swift concurrency (libfuse's and the session loop's).
public final class Semaphore: @unchecked Sendable {
    private let sem = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    public init(value: UInt32 = 0) { sem_init(sem, 0, value) }

    deinit {
        sem_destroy(sem)
        sem.deallocate()
    }

    public func signal() { sem_post(sem) }

    public func wait() {
        while sem_wait(sem) != 0 && errno == EINTR {}
    }

    /// Returns false when the time ran out.
    @discardableResult
    public func wait(timeoutMilliseconds: Int) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        let nanos = deadline.tv_nsec + (timeoutMilliseconds % 1000) * 1_000_000
        deadline.tv_sec += timeoutMilliseconds / 1000 + nanos / 1_000_000_000
        deadline.tv_nsec = nanos % 1_000_000_000
        while true {
            if sem_timedwait(sem, &deadline) == 0 { return true }
            if errno != EINTR { return false }
        }
    }
}
