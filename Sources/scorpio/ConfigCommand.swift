import ArgumentParser

/// `scorpio config`: the group of configuration commands.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Write, check and show scorpio.toml.",
        subcommands: [ConfigInitCommand.self, ConfigValidateCommand.self, ConfigShowCommand.self]
    )
}
