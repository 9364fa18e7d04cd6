import Foundation

/// Runs the same work on several threads of its own and waits for all of them.
enum ParallelWork {
    static func run(threads: Int, _ work: @escaping @Sendable () -> Void) {
        guard threads > 1 else { return work() }
        let done = DispatchGroup()
        for _ in 1..<threads {
            done.enter()
            Thread.detachNewThread {
                work()
                done.leave()
            }
        }
        work()
        done.wait()
    }
}
