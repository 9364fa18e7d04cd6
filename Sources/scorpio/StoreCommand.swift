import ArgumentParser
import ScorpioKit

/// `scorpio store`: the shared content store.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Inspect and trim the content store (store_path) shared by every mount.",
        subcommands: [StoreStatsCommand.self, StoreGCCommand.self]
    )
}

struct StoreStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "How many blobs the store holds and their size.")

    @OptionGroup(title: "Global options") var global: GlobalOptions

    func run() throws {
        let config = try global.loadConfigAndStartLogging().config
        let store = try openStore(config)
        let usage = store.usage()
        print("\(store.root): \(usage.blobs) blobs, \(ByteCount(bytes: Int(usage.bytes))) (cap \(config.storeMaxBytes))")
    }
}

struct StoreGCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Trim the store to its size cap, least recently used blobs first.",
        discussion: "Blobs that a running mount has open are never removed. The cap is store_max_bytes unless --max-bytes is given (e.g. 512M, 10G)."
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions

    @Option(help: ArgumentHelp("Size to trim to (overrides store_max_bytes).", valueName: "size"))
    var maxBytes: String?

    func run() throws {
        var overrides = global.overrides
        if let maxBytes { overrides.append(CommandLineOverride(keyNamed: "store_max_bytes", flag: "--max-bytes", value: maxBytes)) }
        let config = try ConfigLoader().load(configPath: global.configPath.map { .init($0) }, overrides: overrides).config
        let store = try openStore(config)
        let report = store.collectGarbage(maxBytes: UInt64(config.storeMaxBytes.bytes))
        print("""
            scorpio: \(store.root): removed \(report.removed) of \(report.blobsBefore) blobs, \
            freed \(ByteCount(bytes: Int(report.bytesFreed))), now \(ByteCount(bytes: Int(report.bytesAfter))) \
            (\(report.skippedInUse) in use kept, \(report.temporaryFilesRemoved) abandoned partial fetches removed)
            """)
    }
}

private func openStore(_ config: ScorpioConfig) throws -> ContentStore {
    do { return try ContentStore(root: config.storePath) } catch { throw BaseSourceError.source(error) }
}
