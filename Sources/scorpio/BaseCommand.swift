import ArgumentParser

/// `scorpio base`: the read-only base layer on its own.
struct BaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "base",
        abstract: "The read-only bases jobs build on: the host's shared ones, or one served by hand.",
        subcommands: [BaseListCommand.self, BaseGCCommand.self, BaseMountCommand.self, BaseUnmountCommand.self, BaseHostCommand.self]
    )
}
