import SystemPackage

/// Finds the configuration file: `--config-path`, else `SCORPIO_CONFIG`, else `./scorpio.toml`, else the
/// user's (`$XDG_CONFIG_HOME` or `~/.config`)`/scorpio/scorpio.toml`, else `/etc/scorpio/scorpio.toml`.
/// The last three count only if they exist; a path named by flag or variable must exist.
struct ConfigFileLocator: Sendable {
    static let fileName = "scorpio.toml"
    static let environmentVariable = "SCORPIO_CONFIG"

    var environment: [String: String]
    var currentDirectory: FilePath
    var systemConfigFile: FilePath

    func locate(explicitPath: FilePath?) throws(ConfigError) -> ConfigFileLocation? {
        if let explicitPath {
            return try requireExisting(absolute(explicitPath), reason: .commandLine, source: .commandLine(flag: "--config-path"))
        }
        if let fromEnvironment = environment[Self.environmentVariable], !fromEnvironment.isEmpty {
            return try requireExisting(absolute(FilePath(fromEnvironment)), reason: .environment,
                                       source: .environment(variable: Self.environmentVariable))
        }
        let candidates: [(FilePath?, ConfigFileLocation.Reason)] = [
            (currentDirectory.appending(Self.fileName), .currentDirectory),
            (userConfigFile, .userConfigDirectory),
            (systemConfigFile, .system),
        ]
        for case let (path?, reason) in candidates where path.exists {
            return ConfigFileLocation(path: path, reason: reason)
        }
        return nil
    }

    /// `$XDG_CONFIG_HOME/scorpio/scorpio.toml`, or `$HOME/.config/scorpio/scorpio.toml` when XDG_CONFIG_HOME is unset.
    var userConfigFile: FilePath? {
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty, FilePath(xdg).isAbsolute {
            return FilePath(xdg).appending("scorpio").appending(Self.fileName)
        }
        if let home = environment["HOME"], !home.isEmpty {
            return FilePath(home).appending(".config").appending("scorpio").appending(Self.fileName)
        }
        return nil
    }

    private func absolute(_ path: FilePath) -> FilePath {
        path.isAbsolute ? path : currentDirectory.pushing(path)
    }

    private func requireExisting(_ path: FilePath, reason: ConfigFileLocation.Reason,
                                 source: ConfigSource) throws(ConfigError) -> ConfigFileLocation {
        guard path.exists else { throw .fileNotFound(path, source: source) }
        return ConfigFileLocation(path: path, reason: reason)
    }
}
