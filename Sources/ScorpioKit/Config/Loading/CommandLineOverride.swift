/// A value given by a command-line flag, such as `--upper-root /srv/upper` for `antares_upper_root`.
public struct CommandLineOverride: Sendable, Equatable {
    public let key: ConfigKey
    public let flag: String
    public let value: String

    public init(key: ConfigKey, flag: String, value: String) {
        self.key = key
        self.flag = flag
        self.value = value
    }

    /// An override of the key with this flat name; the name must exist.
    public init(keyNamed name: String, flag: String, value: String) {
        guard let key = ConfigKey.named(name) else { preconditionFailure("no config key named \(name)") }
        self.init(key: key, flag: flag, value: value)
    }

    var setting: ConfigSetting {
        ConfigSetting(key: key, value: .string(value), source: .commandLine(flag: flag))
    }
}
