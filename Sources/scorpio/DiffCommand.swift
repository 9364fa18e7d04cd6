import ArgumentParser
import ScorpioKit

/// `scorpio diff JOB_ID`.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "List what a job changed: A added, M modified, D deleted, R replaced or renamed directories.",
        discussion: "Read from the job's upper directory (a mounted job, or one unmounted with --keep-upper)."
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions
    @OptionGroup(title: "Base") var base: BaseSourceOptions

    @Argument(help: ArgumentHelp("The job id.", valueName: "job-id"))
    var jobID: String

    func run() throws {
        let config = try global.loadConfigAndStartLogging().config
        let selection = base.selection(config: config)
        let manager = try JobManagement.manager(config: config, base: selection)
        let job = try JobID.validated(jobID)
        guard let record = try manager.status(job) else { throw ManagerError.unknownJob(job) }
        let changes = try JobManagement.changes(of: record, config: config, base: selection)
        for change in changes { print(change) }
    }
}
