import Antares
import ScorpioKit
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

    /// The exposition of everything: these counters, the live mounts' FUSE counters, the host's shared
    /// bases, and the recorded mounts by state.
    func exposition(live: [RequestCounters], bases: [SharedBaseStatus], mountsByState: [String: Int], shuttingDown: Bool) -> String {
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
        let served = bases.filter { $0.serverPID != nil }
        text.family("scorpio_bases_served", .gauge, help: "Shared bases served on this host.", value: served.count)
        text.family("scorpio_base_leases", .gauge, help: "Leases jobs hold on the host's shared bases.",
                    value: served.reduce(0) { $0 + $1.leases.count })
        text.family("scorpio_base_anonymous_memory_bytes", .gauge, help: "Anonymous memory of the shared bases' servers.",
                    value: served.reduce(0) { $0 + ($1.anonymousMemoryBytes ?? 0) })
        return text.text
    }
}
