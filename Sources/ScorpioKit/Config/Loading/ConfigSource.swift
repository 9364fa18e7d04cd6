import SystemPackage

/// Where a configuration value came from.
public enum ConfigSource: Sendable, Hashable, CustomStringConvertible {
    case defaultValue
    case file(FilePath)
    case environment(variable: String)
    case commandLine(flag: String)

    /// The layer a source belongs to, without its particulars.
    public enum Kind: String, Sendable, Hashable, Encodable {
        case `default`, file, env, flag
    }

    public var kind: Kind {
        switch self {
        case .defaultValue: return .default
        case .file: return .file
        case .environment: return .env
        case .commandLine: return .flag
        }
    }

    /// The file path, variable or flag; nil for a default.
    public var origin: String? {
        switch self {
        case .defaultValue: return nil
        case .file(let path): return path.string
        case .environment(let variable): return variable
        case .commandLine(let flag): return flag
        }
    }

    /// `default`, `/etc/scorpio/scorpio.toml`, `env SCORPIO_LOG`, `--upper-root`.
    public var description: String {
        switch self {
        case .defaultValue: return "default"
        case .file(let path): return path.string
        case .environment(let variable): return "env \(variable)"
        case .commandLine(let flag): return flag
        }
    }
}

/// One value for one key, as one layer (file, environment, command line) states it.
public struct ConfigSetting: Sendable, Equatable {
    public let key: ConfigKey
    /// The name as written: `antares_upper_root`, or `antares.upper_root` in the sectioned form.
    public let spelling: String
    public let value: ConfigRawValue
    public let source: ConfigSource

    public init(key: ConfigKey, spelling: String? = nil, value: ConfigRawValue, source: ConfigSource) {
        self.key = key
        self.spelling = spelling ?? key.name
        self.value = value
        self.source = source
    }
}
