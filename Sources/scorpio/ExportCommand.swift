import ArgumentParser
import Foundation
import ScorpioKit
import SystemPackage

/// `scorpio export JOB_ID`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write what a job changed as an OCI image layer (tarball) with a JSON manifest beside it.",
        discussion: """
            The layer holds the added and modified entries and OCI whiteouts for deletions (.wh.NAME, \
            .wh..wh..opq); a renamed directory is written in full. A job unmounted with --keep-upper is \
            mounted again for the export and unmounted after.

            Examples:
              scorpio export build-42                         ~/.local/state/scorpio/artifacts/build-42.tar.gz (+ .json)
              scorpio export build-42 --compression zstd --exclude '*.o' --artifact out/layer.tar.zst
            """
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions
    @OptionGroup(title: "Base") var base: BaseSourceOptions

    @Argument(help: ArgumentHelp("The job id.", valueName: "job-id"))
    var jobID: String

    @Option(help: ArgumentHelp("Where to write the layer (default: artifacts_dir/JOB.tar.gz).", valueName: "path"))
    var artifact: String?

    @Option(help: ArgumentHelp("gzip, zstd or none (config key artifact_compression).", valueName: "kind"))
    var compression: LayerCompression?

    @Option(help: ArgumentHelp("Keep only paths matching this glob (repeatable).", valueName: "glob"))
    var include: [String] = []

    @Option(help: ArgumentHelp("Leave out paths matching this glob (repeatable).", valueName: "glob"))
    var exclude: [String] = []

    func run() throws {
        let config = try global.loadConfigAndStartLogging().config
        let selection = base.selection(config: config)
        let manager = try JobManagement.manager(config: config, base: selection)
        let job = try JobID.validated(jobID)
        guard var record = try manager.status(job) else { throw ManagerError.unknownJob(job) }
        let mountedHere = !record.state.expectsMount
        if mountedHere {
            record = try manager.mountJob(job, spec: record.spec, server: .export)
        }
        defer { if mountedHere { _ = try? manager.unmountJob(job, keepUpper: true) } }
        let chosen = compression ?? LayerCompression(rawValue: config.artifacts.compression.rawValue) ?? .gzip
        let destination = artifact.map { FilePath($0) } ?? config.artifacts.directory().appending("\(job).\(chosen.fileExtension)")
        try? FileManager.default.createDirectory(atPath: destination.removingLastComponent().string, withIntermediateDirectories: true)
        let changes = try JobManagement.changes(of: record, config: config, base: selection)
        let export = try JobManagement.export(
            record, changes: changes, to: destination, compression: chosen,
            filter: PathFilter(includes: include, excludes: exclude))
        let counts = export.summary.counts
        print("scorpio: \(counts.total) changes (+\(counts.added) ~\(counts.modified) -\(counts.deleted)) → \(export.layer) (\(export.summary.digest)); manifest \(export.manifest)")
    }
}

extension LayerCompression: ExpressibleByArgument {
    public static var allValueStrings: [String] { rawValues }
    public static var allValueDescriptions: [String: String] { [:] }
}
