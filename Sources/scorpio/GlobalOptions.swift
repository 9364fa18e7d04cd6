import ArgumentParser
import ScorpioKit
import SystemPackage

/// Options every command takes, before or after its name. All but --config-path set a config key
/// and so outrank the environment and the file.
struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Configuration file to read (must exist).", valueName: "path"))
    var configPath: String?

    @Option(help: ArgumentHelp("Log threshold: trace, debug, info, notice, warning, error, critical. Outranks SCORPIO_LOG and log_level.",
                               valueName: "level"))
    var logLevel: String?

    @Option(help: ArgumentHelp("Upper layers directory (antares_upper_root).", valueName: "path"))
    var upperRoot: String?

    @Option(help: ArgumentHelp("Change-list layers directory (antares_cl_root).", valueName: "path"))
    var clRoot: String?

    @Option(help: ArgumentHelp("Job mounts directory (antares_mount_root).", valueName: "path"))
    var mountRoot: String?

    @Option(help: ArgumentHelp("Mount state file (antares_state_file).", valueName: "path"))
    var stateFile: String?

    @Option(help: ArgumentHelp("Content store directory (store_path).", valueName: "path"))
    var storePath: String?

    static var quickSyntax: QuickSyntax<GlobalOptions> {
        QuickSyntax(options: [
            .value("--config-path") { $0.configPath = $1 }, .value("--log-level") { $0.logLevel = $1 },
            .value("--upper-root") { $0.upperRoot = $1 }, .value("--cl-root") { $0.clRoot = $1 },
            .value("--mount-root") { $0.mountRoot = $1 }, .value("--state-file") { $0.stateFile = $1 },
            .value("--store-path") { $0.storePath = $1 },
        ])
    }

    /// How many options ``quickSyntax`` has: they come first in a command's complete quick syntax.
    static let quickOptionCount = quickSyntax.options.count

    /// The options that set a config key: value, key, flag.
    private var keyFlags: [(value: String?, key: String, flag: String)] {
        [
            (logLevel, "log_level", "--log-level"),
            (upperRoot, "antares_upper_root", "--upper-root"),
            (clRoot, "antares_cl_root", "--cl-root"),
            (mountRoot, "antares_mount_root", "--mount-root"),
            (stateFile, "antares_state_file", "--state-file"),
            (storePath, "store_path", "--store-path"),
        ]
    }

    /// The command-line layer of the configuration.
    var overrides: [CommandLineOverride] {
        keyFlags.compactMap { entry in
            entry.value.map { CommandLineOverride(keyNamed: entry.key, flag: entry.flag, value: $0) }
        }
    }

    /// Loads the configuration with these options as its command-line layer. `explicitPath` (a
    /// command's own PATH argument) takes the place of --config-path.
    /// `commandOverrides` are the command's own options that set a key (`serve --bind`).
    func loadConfig(explicitPath: String? = nil, commandOverrides: [CommandLineOverride] = []) throws(ConfigError) -> LoadedConfig {
        try ConfigLoader().load(configPath: (explicitPath ?? configPath).map { FilePath($0) }, overrides: overrides + commandOverrides)
    }

    /// Loads the configuration and starts logging at its level.
    func loadConfigAndStartLogging(explicitPath: String? = nil, commandOverrides: [CommandLineOverride] = []) throws(ConfigError) -> LoadedConfig {
        let loaded = try loadConfig(explicitPath: explicitPath, commandOverrides: commandOverrides)
        ScorpioLogging.start(level: loaded.config.logLevel)
        return loaded
    }
}
