import Antares
import Dicfuse
import FuseKit
import Synchronization

/// The daemon's own counters (requests, errors) and the FUSE counts of mounts it no longer serves,
/// so that the FUSE totals it reports never go down when a mount goes.
final class DaemonMetrics: Sendable {
    struct RequestKey: Hashable, Sendable {
        var method: String
        var route: String
        var status: Int
    }

    private struct Counts: Sendable {
        var requests: [RequestKey: Int] = [:]
        var errors: [DaemonErrorCode: Int] = [:]
        var retiredOperations: [FuseOperation: Int] = [:]
        var retiredBytesRead = 0
        var retiredBytesWritten = 0
    }

    private let counts = Mutex(Counts())

    func recordRequest(method: String, route: String, status: Int) {
        counts.withLock { $0.requests[RequestKey(method: method, route: route, status: status), default: 0] += 1 }
    }

    func recordError(_ code: DaemonErrorCode) {
        counts.withLock { $0.errors[code, default: 0] += 1 }
    }

    /// Keeps what a mount's FUSE server answered before it goes away.
    func retire(_ requests: RequestCounters) {
        let snapshot = requests.snapshot
        counts.withLock { counts in
            for (operation, count) in snapshot { counts.retiredOperations[operation, default: 0] += count }
            counts.retiredBytesRead += requests.bytesRead
            counts.retiredBytesWritten += requests.bytesWritten
        }
    }

    /// The exposition of everything: these counters, the live mounts' FUSE counters, the content
    /// store's, and the recorded mounts by state.
    func exposition(live: [RequestCounters], store: ContentStore.Counters, mountsByState: [String: Int], shuttingDown: Bool) -> String {
        let current = counts.withLock { $0 }
        var operations = current.retiredOperations
        var bytesRead = current.retiredBytesRead
        var bytesWritten = current.retiredBytesWritten
        for counters in live {
            for (operation, count) in counters.snapshot { operations[operation, default: 0] += count }
            bytesRead += counters.bytesRead
            bytesWritten += counters.bytesWritten
        }

        var text = PrometheusText()
        text.family("scorpio_mounts", .gauge, help: "Mounts recorded in the state file, by state.",
                    samples: ["Provisioning", "Mounted", "Ready", "Quiescing", "Unmounting", "Unmounted", "Failed"].map {
                        ([("state", $0)], mountsByState[$0] ?? 0)
                    })
        text.family("scorpio_mounts_served", .gauge, help: "Mounts this daemon serves.", value: live.count)
        text.family("scorpio_daemon_shutting_down", .gauge, help: "1 while the daemon refuses new mounts to shut down.",
                    value: shuttingDown ? 1 : 0)
        text.family("scorpio_http_requests_total", .counter, help: "HTTP requests answered, by method, route and status.",
                    samples: current.requests.sorted { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }
                        .map { ([("method", $0.key.method), ("route", $0.key.route), ("status", String($0.key.status))], $0.value) })
        text.family("scorpio_http_errors_total", .counter, help: "Error answers, by code.",
                    samples: DaemonErrorCode.allCases.map { ([("code", $0.rawValue)], current.errors[$0] ?? 0) })
        text.family("scorpio_fuse_requests_total", .counter, help: "FUSE requests answered by the daemon's mounts, by operation.",
                    samples: FuseOperation.allCases.filter { operations[$0] != nil }.map { ([("operation", $0.rawValue)], operations[$0]!) })
        text.family("scorpio_fuse_read_bytes_total", .counter, help: "Bytes answered to FUSE reads.", value: bytesRead)
        text.family("scorpio_fuse_written_bytes_total", .counter, help: "Bytes accepted from FUSE writes.", value: bytesWritten)
        text.family("scorpio_store_hits_total", .counter, help: "Blob opens served from the content store (cache hits).", value: store.hits)
        text.family("scorpio_store_fetches_total", .counter, help: "Blobs fetched from the tree source into the content store.", value: store.fetched)
        text.family("scorpio_store_fetched_bytes_total", .counter, help: "Bytes of blobs fetched into the content store.",
                    value: Int(clamping: store.fetchedBytes))
        return text.text
    }
}
