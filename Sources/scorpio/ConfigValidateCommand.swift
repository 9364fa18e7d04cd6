import ArgumentParser
import ScorpioKit

/// `scorpio config validate [PATH]`.
struct ConfigValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check the configuration: the file, SCORPIO_* variables and flags together.",
        discussion: "Exits 0 when valid; otherwise prints the offending key, value and source and exits 2."
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions

    @Argument(help: ArgumentHelp("The file to check, instead of the one Scorpio would find.", valueName: "path"))
    var path: String?

    func run() throws {
        let loaded = try global.loadConfig(explicitPath: path)
        let origin = loaded.file.map(\.description) ?? "no config file; defaults, environment and flags"
        let counts = Dictionary(grouping: loaded.entries, by: \.source.kind).mapValues(\.count)
        print("config is valid: \(origin)")
        print("\(counts[.file] ?? 0) set by the file, \(counts[.env] ?? 0) by the environment, "
            + "\(counts[.flag] ?? 0) by flags, \(counts[.default] ?? 0) defaults")
    }
}
