import AntaresDaemon
import ArgumentParser
import Foundation
import ScorpioKit

/// `scorpio list [--json]`.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the jobs in the state file, with their state and mountpoint.",
        discussion: """
            Jobs whose serving process has gone are detached first and shown as Failed, with the reason. \
            Jobs unmounted with their upper kept (`scorpio run --keep`, `scorpio umount --keep-upper`) are \
            listed with the upper's path and size: `scorpio export JOB` writes what one changed as a layer, \
            `scorpio umount JOB` removes it. --json gives them "upper_kept": true and "upper_bytes".
            """
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions
    @Option(help: .daemon) var daemon: String?

    @Flag(help: "Print JSON (the upstream MountStatus fields).")
    var json = false

    func run() async throws {
        let config = try global.loadConfigAndStartLogging().config
        if let client = try DaemonClient.named(daemon, config: config) {
            try await listThroughDaemon(client)
            return
        }
        let manager = try JobManagement.manager(config: config, base: BaseSelection(config: config))
        try manager.recover()
        let all = try manager.list()
        let records = all.filter { $0.state != .unmounted }
        let kept = all.compactMap(KeptUpper.init)
        if json {
            var statuses = records.map { Self.status(of: $0) }
            statuses += kept.map { kept in
                var status = Self.status(of: kept.record)
                status["upper_kept"] = true
                status["upper_bytes"] = kept.bytes
                return status
            }
            let data = try JSONSerialization.data(withJSONObject: ["mounts": statuses], options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        if records.isEmpty && kept.isEmpty {
            print("no jobs")
            return
        }
        for record in records {
            print("\(record.jobID)\t\(record.state)\t\(record.mountpoint)\t\(record.driver)\t\(record.base)")
        }
        for job in kept {
            print("\(job.record.jobID)\tUnmounted, upper kept (\(job.size))\t\(job.record.upper)\t\(job.record.driver)\t\(job.record.base)")
        }
        if !kept.isEmpty { print("scorpio: \(KeptUpper.advice)") }
    }

    /// The upstream MountStatus fields of `record`, and its driver.
    private static func status(of record: MountRecord) -> [String: Any] {
        [
            "mount_id": record.mountID, "job_id": record.jobID.rawValue, "path": record.spec.path,
            "cl": record.spec.cl as Any, "mountpoint": record.mountpoint, "state": record.state.name, "driver": record.driver,
            "layers": ["upper": record.upper, "cl": record.changeList as Any, "dicfuse": "shared"],
            "created_at_epoch_ms": record.createdAtEpochMilliseconds, "last_seen_epoch_ms": record.lastSeenEpochMilliseconds,
        ]
    }

    private func listThroughDaemon(_ client: DaemonClient) async throws {
        let list = try await client.list()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(list), as: UTF8.self))
            return
        }
        print(list.mounts.isEmpty ? "no jobs" : list.mounts.map(\.listLine).joined(separator: "\n"))
    }
}

extension MountStatus {
    /// The line `scorpio list` prints for a job.
    var listLine: String {
        "\(jobID ?? mountID)\t\(state)\t\(mountpoint)\t\(driver)\t\(base)"
    }
}
