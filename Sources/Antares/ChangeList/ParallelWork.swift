import Glibc

/// Runs the same work on several threads (this one among them) and waits for all of them. Where the
/// system refuses a thread, fewer run it: the work must share its items out, not split them up front.
enum ParallelWork {
    static func run(threads: Int, _ work: @escaping @Sendable () -> Void) {
        var started: [pthread_t] = []
        for _ in 1..<max(threads, 1) {
            let context = Unmanaged.passRetained(Work(work)).toOpaque()
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { context in
                Unmanaged<Work>.fromOpaque(context!).takeRetainedValue().body()
                return nil
            }, context)
            guard created == 0 else {
                Unmanaged<Work>.fromOpaque(context).release()
                break
            }
            started.append(thread)
        }
        work()
        for thread in started { pthread_join(thread, nil) }
    }

    private final class Work: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
