/// Settings from `SCORPIO_<KEY>` environment variables.
enum EnvironmentConfigLayer {
    /// The log filter variable; it outranks `SCORPIO_LOG_LEVEL` and the file, and yields to `--log-level`.
    static let logVariable = "SCORPIO_LOG"
    /// The daemon's token by the name the daemon documents; it outranks `SCORPIO_API_TOKEN` and the file.
    static let daemonTokenVariable = "SCORPIO_DAEMON_TOKEN"

    /// In the order they apply: later settings win.
    static func settings(from environment: [String: String]) -> [ConfigSetting] {
        var settings = ConfigKey.all.compactMap { key in
            environment[key.environmentVariable].map {
                ConfigSetting(key: key, value: .string($0), source: .environment(variable: key.environmentVariable))
            }
        }
        if let level = environment[logVariable], let key = ConfigKey.named("log_level") {
            settings.append(ConfigSetting(key: key, value: .string(level), source: .environment(variable: logVariable)))
        }
        if let token = environment[daemonTokenVariable], let key = ConfigKey.named("api_token") {
            settings.append(ConfigSetting(key: key, value: .string(token), source: .environment(variable: daemonTokenVariable)))
        }
        return settings
    }
}
