import Glibc

/// Runs `body(0)` … `body(count - 1)` at once — `body(0)` on the calling thread, each other on a
/// thread of its own — and returns when all have. Not on Dispatch's pool: called from Swift
/// concurrency's threads, that pool added its second thread only after some 60 ms.
func onThreads(_ count: Int, _ body: @Sendable (Int) -> Void) {
    guard count > 1 else { return body(0) }
    withoutActuallyEscaping(body) { body in
        final class Work: @unchecked Sendable {
            let run: () -> Void
            init(_ run: @escaping () -> Void) { self.run = run }
        }
        var threads: [pthread_t] = []
        var unstarted: [Int] = []
        for worker in 1..<count {
            let work = Unmanaged.passRetained(Work { body(worker) }).toOpaque()
            var thread = pthread_t()
            // The thread lets go of `body` before it ends, so it is released once the thread is joined.
            let started = pthread_create(&thread, nil, { work in
                Unmanaged<Work>.fromOpaque(work!).takeRetainedValue().run()
                return nil
            }, work)
            if started == 0 {
                threads.append(thread)
            } else {
                Unmanaged<Work>.fromOpaque(work).release()
                unstarted.append(worker)
            }
        }
        // A share whose thread could not start is done on this one.
        for worker in [0] + unstarted { body(worker) }
        for thread in threads { pthread_join(thread, nil) }
    }
}
