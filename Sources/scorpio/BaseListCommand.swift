import ArgumentParser
import Foundation
import ScorpioKit

/// `scorpio base list`: the host's shared bases.
struct BaseListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show the host's shared bases: what each serves, who holds it, what it costs.",
        discussion: """
            Every job (scorpio run, scorpio mount, the daemon) builds on a shared base: one read-only \\
            mount per repository, revision, sub-path and build user, started by the first job that needs \\
            it and kept base_linger seconds after its last lease. A lease ends when its job ends, \\
            however it ends.
            """
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions

    @Flag(help: "Print the bases as JSON.")
    var json = false

    func run() throws {
        let config = try global.loadConfigAndStartLogging().config
        let bases = SharedBases(config: config).statuses()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(bases), as: UTF8.self))
            return
        }
        guard !bases.isEmpty else {
            print("No shared bases under \(config.antares.baseRoot).")
            return
        }
        for base in bases {
            let server = base.serverPID.map { "server \($0)" } ?? "no server (dead or starting)"
            let memory = base.anonymousMemoryBytes.map { String(format: "%.1f MiB anonymous", Double($0) / 1_048_576) } ?? "-"
            let owner = base.owner.map { " as \($0)" } ?? ""
            print("\(base.identity)\(owner) · \(base.revision)")
            print("  \(base.mountpoint) · \(server) · \(memory) · \(base.leases.count) lease\(base.leases.count == 1 ? "" : "s")"
                  + (base.leases.isEmpty ? " (ends \(base.lingerSeconds ?? 0) s after its last)" : ""))
            for lease in base.leases { print("    held by \(lease)") }
        }
    }
}
