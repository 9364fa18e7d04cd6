/// Runs operations one at a time per key, in arrival order, and operations of different keys
/// concurrently: mutations of one job never overlap, mutations of different jobs do not wait.
actor KeyedSerializer {
    private struct Tail {
        let generation: Int
        let done: Task<Void, Never>
    }

    private var tails: [String: Tail] = [:]
    private var generation = 0

    func run<T: Sendable>(_ key: String, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tails[key]?.done
        generation += 1
        let mine = generation
        let task = Task<T, any Error> {
            await previous?.value
            return try await operation()
        }
        tails[key] = Tail(generation: mine, done: Task { _ = try? await task.value })
        defer {
            if tails[key]?.generation == mine { tails[key] = nil }
        }
        return try await task.value
    }
}
