import SystemPackage

/// The configuration file in use and how it was found.
public struct ConfigFileLocation: Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// `--config-path`.
        case commandLine
        /// `SCORPIO_CONFIG`.
        case environment
        /// `./scorpio.toml`.
        case currentDirectory
        /// `$XDG_CONFIG_HOME/scorpio/scorpio.toml` or `~/.config/scorpio/scorpio.toml`.
        case userConfigDirectory
        /// `/etc/scorpio/scorpio.toml`.
        case system
    }

    public let path: FilePath
    public let reason: Reason

    public init(path: FilePath, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        let how = switch reason {
        case .commandLine: "from --config-path"
        case .environment: "from SCORPIO_CONFIG"
        case .currentDirectory: "found in the current directory"
        case .userConfigDirectory: "found in the user config directory"
        case .system: "found in /etc/scorpio"
        }
        return "\(path.string) (\(how))"
    }
}
