import ArgumentParser
import ScorpioKit
import SystemPackage

/// `scorpio config init [--force] [PATH]`.
struct ConfigInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a commented scorpio.toml with every key set to its default.",
        discussion: "Writes PATH, else --config-path, else ./scorpio.toml. An existing file is kept unless --force is given."
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions

    @Flag(help: "Replace the file if it exists.")
    var force = false

    @Argument(help: ArgumentHelp("Where to write the file.", valueName: "path"))
    var path: String?

    func run() throws {
        let destination = FilePath(path ?? global.configPath ?? "scorpio.toml")
        try ConfigTemplate.write(to: destination, overwrite: force)
        print("wrote \(destination.string): \(ConfigKey.all.count) keys, each set to its default")
    }
}
