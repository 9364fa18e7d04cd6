import ArgumentParser

/// `scorpio base`: the read-only base layer on its own.
struct BaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "base",
        abstract: "Serve a revision of the monorepo read-only (the layer jobs build on).",
        subcommands: [BaseMountCommand.self, BaseUnmountCommand.self]
    )
}
