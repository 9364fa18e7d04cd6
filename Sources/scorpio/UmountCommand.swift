import ArgumentParser
import ScorpioKit

/// `scorpio umount JOB_ID`.
struct UmountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "umount",
        abstract: "Unmount a job; its upper directory is removed unless --keep-upper.",
        discussion: "A busy mount fails unless --lazy. A job whose server died is detached and recorded as unmounted."
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions

    @Argument(help: ArgumentHelp("The job id.", valueName: "job-id"))
    var jobID: String

    @Flag(help: "Keep the job's upper directory (its writes) for `scorpio diff` or a later mount.")
    var keepUpper = false

    @Flag(help: "Detach even if busy.")
    var lazy = false

    func run() async throws {
        let config = try global.loadConfigAndStartLogging().config
        let manager = try JobManagement.manager(config: config, base: BaseSelection(config: config))
        let record = try manager.unmountJob(JobID.validated(jobID), keepUpper: keepUpper, lazy: lazy)
        print("scorpio: job \(record.jobID) unmounted" + (keepUpper ? "; upper kept at \(record.upper)" : ""))
    }
}
