import ArgumentParser
import ScorpioKit

/// `scorpio config show [--json]`.
struct ConfigShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the effective configuration and where each value came from.",
        discussion: "The text form is valid TOML; each value's source follows it as a comment. Secrets are masked."
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions

    @Flag(help: "Print JSON instead of TOML.")
    var json = false

    func run() throws {
        let loaded = try global.loadConfigAndStartLogging()
        print(json ? ConfigReport.json(for: loaded) : ConfigReport.text(for: loaded), terminator: "")
    }
}
