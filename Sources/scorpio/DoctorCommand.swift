import ArgumentParser
import Logging
import ScorpioKit

/// `scorpio doctor [--json]`.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check that this host can run jobs, and say what to fix if not.",
        discussion: """
            Checks the FUSE device, fusermount3, kernel overlayfs, FUSE over io_uring (optional: what \
            shared bases and fuse-driver unions answer over where the kernel offers it), mount and user \
            namespaces, seccomp, the C libraries, the configuration, and the store and Antares \
            directories. Namespaces, seccomp and overlayfs are really tried, in short-lived child processes.

            Exits 0 when the host can run jobs (warnings allowed), 1 when a required check fails.
            """
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let loaded = Result { () throws(ConfigError) in try global.loadConfigAndStartLogging() }
        if case .failure = loaded { ScorpioLogging.start(level: .info) }
        let launcher = HostProbeLauncher.currentExecutable
        Logger(label: "scorpio.doctor").debug("probing with \(launcher?.executable.string ?? "no executable")")

        let report = Doctor(context: DoctorContext(loading: loaded, probeLauncher: launcher)).examine()
        print(json ? report.json : report.text, terminator: "")
        if !report.canRunJobs {
            throw ExitCode(ScorpioExitStatus.failure.rawValue)
        }
    }
}
