import FuseKit
import Synchronization

/// The outcome of work one thread does while others wait for it (a directory listing, a blob fetch):
/// the worker calls ``finish(_:)`` once, every waiter gets the same result.
final class PendingResult: Sendable {
    private let result = Mutex<Result<Void, SourceError>?>(nil)
    private let done = Semaphore()

    func finish(_ outcome: Result<Void, SourceError>) {
        result.withLock { $0 = outcome }
        done.signal()
    }

    func wait() -> Result<Void, SourceError> {
        done.wait()
        done.signal()
        return result.withLock { $0! }
    }
}

/// Runs `work` once per key at a time: the first caller runs it, concurrent callers wait for its result.
final class SingleFlight<Key: Hashable & Sendable>: Sendable {
    private let inFlight = Mutex<[Key: PendingResult]>([:])

    func run(_ key: Key, _ work: () throws(SourceError) -> Void) throws(SourceError) {
        let (pending, isWorker) = inFlight.withLock { table in
            if let existing = table[key] { return (existing, false) }
            let created = PendingResult()
            table[key] = created
            return (created, true)
        }
        if isWorker {
            let outcome: Result<Void, SourceError>
            do throws(SourceError) {
                try work()
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            inFlight.withLock { _ = $0.removeValue(forKey: key) }
            pending.finish(outcome)
        }
        try pending.wait().get()
    }
}
