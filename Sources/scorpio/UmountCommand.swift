import AntaresDaemon
import ArgumentParser
import ScorpioKit

/// `scorpio umount JOB_ID`.
struct UmountCommand: AsyncParsableCommand, QuickParsable {
    static let configuration = CommandConfiguration(
        commandName: "umount",
        abstract: "Unmount a job; its upper directory is removed unless --keep-upper.",
        discussion: """
            A busy mount fails unless --lazy. A job whose server died is detached and recorded as unmounted. \
            A job a running `scorpio run`, `scorpio serve` or `scorpio export` holds is left to it (that \
            process unmounts it), and the error says which. \
            A job already unmounted with its upper kept (`scorpio run --keep`, `--keep-upper`; `scorpio list` \
            shows them) has its upper removed.
            """
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions
    @Option(help: .daemon) var daemon: String?

    @Argument(help: ArgumentHelp("The job id.", valueName: "job-id"))
    var jobID: String

    @Flag(help: "Keep the job's upper directory (its writes) for `scorpio diff` or a later mount.")
    var keepUpper = false

    @Flag(help: "Detach even if busy.")
    var lazy = false

    static var quickSyntax: QuickSyntax<UmountCommand> {
        QuickSyntax(
            options: [
                .value("--daemon") { $0.daemon = $1 }, .flag("--keep-upper") { $0.keepUpper = $1 }, .flag("--lazy") { $0.lazy = $1 },
            ],
            argument: .required { $0.jobID = $1 }
        )
    }

    func validate() throws {
        if daemon != nil && lazy { throw ValidationError("--lazy cannot be used with --daemon") }
    }

    func run() async throws {
        let config = try global.loadConfigAndStartLogging().config
        if let client = try DaemonClient.named(daemon, config: config) {
            let status = try await client.unmount(jobID: jobID, keepUpper: keepUpper)
            print("scorpio: job \(jobID) unmounted" + (keepUpper ? "; upper kept at \(status.layers.upper)" : ""))
            return
        }
        let manager = try JobManagement.manager(config: config, base: BaseSelection(config: config))
        let job = try JobID.validated(jobID)
        let wasUnmounted = try manager.status(job)?.state == .unmounted
        let record = try manager.unmountJob(job, keepUpper: keepUpper, lazy: lazy)
        if wasUnmounted && !keepUpper {
            print("scorpio: job \(record.jobID) was unmounted; its kept upper \(record.upper) is removed")
        } else {
            print("scorpio: job \(record.jobID) unmounted" + (keepUpper ? "; upper kept at \(record.upper)" : ""))
        }
    }
}
