/// Applies layers of settings over the defaults: each later layer wins, and every value of every
/// layer is checked, so a bad value in the file is reported even when the environment overrides it.
enum ConfigResolver {
    static func resolve(_ layers: [[ConfigSetting]]) throws(ConfigError) -> (config: ScorpioConfig, sources: [ConfigKey: ConfigSource]) {
        var config = ScorpioConfig()
        var sources: [ConfigKey: ConfigSource] = [:]
        for setting in layers.joined() {
            do {
                try setting.key.apply(setting.value, to: &config)
            } catch {
                throw .invalidValue(key: setting.spelling, value: setting.value, source: setting.source,
                                    expectation: error.expectation)
            }
            sources[setting.key] = setting.source
        }
        try checkConsistency(of: config, sources: sources)
        return (config, sources)
    }

    /// Rules between keys.
    private static func checkConsistency(of config: ScorpioConfig, sources: [ConfigKey: ConfigSource]) throws(ConfigError) {
        if !config.server.httpBind.isLoopback && config.server.apiToken.isEmpty, let bind = ConfigKey.named("http_bind") {
            throw .invalidValue(key: bind.name, value: bind.value(in: config), source: sources[bind] ?? .defaultValue,
                                expectation: "listening beyond loopback requires api_token to be set")
        }
    }
}
