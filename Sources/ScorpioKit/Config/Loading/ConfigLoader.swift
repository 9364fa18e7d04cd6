import Foundation
import SystemPackage

/// Builds the configuration: defaults, then the file, then `SCORPIO_<KEY>` variables, then command-line
/// overrides. Reads the file, never writes it.
///
/// ```swift
/// let loaded = try ConfigLoader().load(configPath: "/etc/scorpio/ci.toml",
///                                      overrides: [CommandLineOverride(keyNamed: "antares_upper_root",
///                                                                      flag: "--upper-root", value: "/srv/upper")])
/// let upper = loaded.config.antares.upperRoot
/// ```
public struct ConfigLoader: Sendable {
    public var environment: [String: String]
    /// Where `./scorpio.toml` is looked for, and what relative `--config-path` values are relative to.
    public var currentDirectory: FilePath
    public var systemConfigFile: FilePath

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: FilePath? = nil,
        systemConfigFile: FilePath = "/etc/scorpio/scorpio.toml"
    ) {
        self.environment = environment
        self.currentDirectory = currentDirectory ?? FilePath(FileManager.default.currentDirectoryPath)
        self.systemConfigFile = systemConfigFile
    }

    /// The configuration file that `load(configPath:)` would read, or nil for defaults only.
    public func locateFile(explicitPath: FilePath? = nil) throws(ConfigError) -> ConfigFileLocation? {
        try ConfigFileLocator(environment: environment, currentDirectory: currentDirectory,
                              systemConfigFile: systemConfigFile).locate(explicitPath: explicitPath)
    }

    /// Loads and checks the whole configuration. `configPath` is `--config-path`.
    public func load(configPath: FilePath? = nil, overrides: [CommandLineOverride] = []) throws(ConfigError) -> LoadedConfig {
        let location = try locateFile(explicitPath: configPath)
        let fileSettings = try location.map { location throws(ConfigError) in try ConfigFileReader.read(location.path) } ?? []
        let (config, sources) = try ConfigResolver.resolve([
            fileSettings,
            EnvironmentConfigLayer.settings(from: environment),
            overrides.map(\.setting),
        ])
        return LoadedConfig(config: config, file: location, sources: sources)
    }

    /// Loads the configuration from TOML text alone (no environment, no overrides), as if read from `file`.
    public static func parse(_ text: String, file: FilePath = "scorpio.toml") throws(ConfigError) -> LoadedConfig {
        let (config, sources) = try ConfigResolver.resolve([ConfigFileReader.parse(text, file: file)])
        return LoadedConfig(config: config, file: ConfigFileLocation(path: file, reason: .commandLine), sources: sources)
    }
}

/// The loaded configuration, with where each value came from.
public struct LoadedConfig: Sendable {
    public let config: ScorpioConfig
    /// The file read, or nil when no file was found.
    public let file: ConfigFileLocation?
    let sources: [ConfigKey: ConfigSource]

    /// Where the key's value came from; `.defaultValue` when nothing set it.
    public func source(of key: ConfigKey) -> ConfigSource {
        sources[key] ?? .defaultValue
    }

    /// Every key with its value and source, in display order.
    public var entries: [ConfigEntry] {
        ConfigKey.all.map { ConfigEntry(key: $0, value: $0.value(in: config), source: source(of: $0)) }
    }
}

/// One line of `config show`.
public struct ConfigEntry: Sendable, Equatable {
    public let key: ConfigKey
    public let value: ConfigRawValue
    public let source: ConfigSource

    /// The value as `config show` may print it: secrets that are set are masked.
    public var displayValue: ConfigRawValue {
        if key.isSecret, case .string(let secret) = value, !secret.isEmpty { return .string("********") }
        return value
    }
}
