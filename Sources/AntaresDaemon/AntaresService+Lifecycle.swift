import Antares
import ScorpioKit
import FuseKit

/// The daemon's health, its metrics, and its shutdown.
extension AntaresService {
    public func health() async -> HealthStatus {
        let records = (try? await blocking { try self.manager.list() }) ?? []
        let failed = records.contains { if case .failed = $0.state { return true } else { return false } }
        return HealthStatus(
            status: failed || shuttingDown ? "degraded" : "healthy",
            mountCount: records.filter { $0.state.expectsMount }.count,
            uptimeSeconds: (ContinuousClock.now - started).components.seconds)
    }

    public func metricsText() async -> String {
        let records = (try? await blocking { try self.manager.list() }) ?? []
        var byState: [String: Int] = [:]
        for record in records { byState[record.state.name, default: 0] += 1 }
        return metrics.exposition(
            live: Array(manager.requestCounters().values), bases: SharedBases(config: config).statuses(),
            mountsByState: byState, shuttingDown: shuttingDown)
    }

    public var isShuttingDown: Bool { shuttingDown }

    /// Refuses new mounts from now on, waits for the mutations under way, unmounts every job this
    /// process serves (their uppers are kept) and records it in the state file.
    public func shutDown() async {
        if !shuttingDown { logger.notice("shutting down: refusing new mounts, unmounting every job this daemon serves") }
        shuttingDown = true
        while mutationsInFlight > 0 {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let manager = manager
        let served = manager.requestCounters()
        _ = try? await work.run { manager.unmountAll(keepUpper: true) }
        for (job, counters) in served where !manager.serves(job) { metrics.retire(counters) }
        saveDirectory()
    }

    /// Stops the threads the manager's calls run on; nothing may be asked of the service after.
    func close() async {
        await work.shutdown()
    }
}
