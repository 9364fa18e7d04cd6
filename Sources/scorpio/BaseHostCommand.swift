import ArgumentParser
import ScorpioKit
import SystemPackage

/// `scorpio base host DIR`: the server of one shared base, started by the job that needs it first.
struct BaseHostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host",
        abstract: "Serve one shared base (started by Scorpio itself; see `scorpio base list`).",
        shouldDisplay: false
    )

    @Argument(help: ArgumentHelp("The base's directory under antares_base_root.", valueName: "dir"))
    var directory: String

    @Option(help: ArgumentHelp("Descriptor to report readiness on.", valueName: "fd"))
    var reportFD: Int32?

    func run() throws {
        // The job that started this process is not left a child to reap when the base ends: the
        // process that job may hand its mount to must start single-threaded, with no reaper.
        try BackgroundServer.leaveParent()
        try MountFailure.mapping { try SharedBaseServer.serve(directory: FilePath(directory), report: reportFD) }
    }
}
