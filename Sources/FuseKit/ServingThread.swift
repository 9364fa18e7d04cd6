import Glibc
import SystemPackage

/// Starts `body` on a new detached POSIX thread, outside Swift concurrency (libfuse's loop blocks its
/// caller for the mount's life; background loaders wait on semaphores).
public func startDetachedThread(_ body: @escaping @Sendable () -> Void) -> Errno? {
    switch startThread(body) {
    case .success(let thread):
        pthread_detach(thread)
        return nil
    case .failure(let error):
        return error
    }
}

/// Runs `body(0)` … `body(count - 1)` at once — `body(0)` on the calling thread, each other on a
/// POSIX thread of its own — and returns when all have. Not on Dispatch's pool: called from Swift
/// concurrency's threads, that pool added its second thread only after some 60 ms.
public func onThreads(_ count: Int, _ body: @Sendable (Int) -> Void) {
    guard count > 1 else { return body(0) }
    withoutActuallyEscaping(body) { body in
        var threads: [pthread_t] = []
        var unstarted: [Int] = []
        for worker in 1..<count {
            switch startThread({ body(worker) }) {
            case .success(let thread): threads.append(thread)
            case .failure: unstarted.append(worker)
            }
        }
        // A share whose thread could not start is done on this one.
        for worker in [0] + unstarted { body(worker) }
        // Each thread lets go of `body` before it ends, so none holds it once all are joined.
        for thread in threads { pthread_join(thread, nil) }
    }
}

/// Starts `body` on a new joinable POSIX thread.
private func startThread(_ body: @escaping @Sendable () -> Void) -> Result<pthread_t, Errno> {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, nil, { raw in
        Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
        return nil
    }, box)
    guard result == 0 else {
        Unmanaged<Box>.fromOpaque(box).release()
        return .failure(Errno(rawValue: result))
    }
    return .success(thread)
}
