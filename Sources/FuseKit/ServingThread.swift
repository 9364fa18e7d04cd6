import Glibc
import SystemPackage

/// Starts `body` on a new detached POSIX thread, outside Swift concurrency (libfuse's loop blocks its
/// caller for the mount's life; background loaders wait on semaphores).
public func startDetachedThread(_ body: @escaping @Sendable () -> Void) -> Errno? {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, nil, { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        box.body()
        return nil
    }, box)
    guard result == 0 else {
        Unmanaged<Box>.fromOpaque(box).release()
        return Errno(rawValue: result)
    }
    pthread_detach(thread)
    return nil
}
