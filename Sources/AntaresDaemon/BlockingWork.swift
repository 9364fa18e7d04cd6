import NIOPosix

/// The manager's calls block (mounting, unmounting, the state file's lock): they run on threads of
/// their own, never on the event loops that serve HTTP.
final class BlockingWork: Sendable {
    private let pool: NIOThreadPool

    init(threads: Int = 8) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(work)
    }

    func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
