import ScorpioKit
import SystemPackage
import Testing

@Suite("Config precedence: flags > environment > file > defaults")
struct ConfigPrecedenceTests {
    static let file = "antares_upper_root = \"/from/file\"\n"
    static let environment = ["SCORPIO_ANTARES_UPPER_ROOT": "/from/env"]
    static let flag = CommandLineOverride(keyNamed: "antares_upper_root", flag: "--upper-root", value: "/from/flag")
    static var upper: ConfigKey { ConfigKey.named("antares_upper_root")! }

    @Test func fileOverridesDefault() throws {
        let loaded = try load(file: Self.file)
        #expect(loaded.config.antares.upperRoot == "/from/file")
        guard case .file(let path) = loaded.source(of: Self.upper) else {
            Issue.record("source should be the file, is \(loaded.source(of: Self.upper))")
            return
        }
        #expect(path.lastComponent == "scorpio.toml")
    }

    @Test func environmentOverridesFile() throws {
        let loaded = try load(file: Self.file, environment: Self.environment)
        #expect(loaded.config.antares.upperRoot == "/from/env")
        #expect(loaded.source(of: Self.upper) == .environment(variable: "SCORPIO_ANTARES_UPPER_ROOT"))
    }

    @Test func flagOverridesEnvironmentAndFile() throws {
        let loaded = try load(file: Self.file, environment: Self.environment, overrides: [Self.flag])
        #expect(loaded.config.antares.upperRoot == "/from/flag")
        #expect(loaded.source(of: Self.upper) == .commandLine(flag: "--upper-root"))
    }

    @Test func theDaemonTokenVariableOutranksTheAPITokenVariableAndTheFile() throws {
        let token = try #require(ConfigKey.named("api_token"))
        let loaded = try load(
            file: "api_token = \"from-file\"\nhttp_bind = \"0.0.0.0:2726\"\n",
            environment: ["SCORPIO_API_TOKEN": "from-api-variable", "SCORPIO_DAEMON_TOKEN": "from-daemon-variable"])
        #expect(loaded.config.server.apiToken == "from-daemon-variable")
        #expect(loaded.source(of: token) == .environment(variable: "SCORPIO_DAEMON_TOKEN"))
        let onlyVariable = try load(file: "http_bind = \"0.0.0.0:2726\"\n", environment: ["SCORPIO_DAEMON_TOKEN": "t"])
        #expect(onlyVariable.config.server.apiToken == "t", "the token from the variable lets the daemon listen beyond loopback")
    }

    @Test func environmentAloneOverridesDefault() throws {
        let loaded = try load(file: nil, environment: ["SCORPIO_DICFUSE_REPLY_TTL_SECS": "11", "SCORPIO_UNION_DRIVER": "FUSE"])
        #expect(loaded.config.dicfuse.tuning.replyTTL == .seconds(11))
        #expect(loaded.config.unionDriver == .fuse)
    }

    @Test func untouchedKeysKeepDefaultSource() throws {
        let loaded = try load(file: Self.file, environment: Self.environment, overrides: [Self.flag])
        let others = loaded.entries.filter { $0.key != Self.upper }
        #expect(others.allSatisfy { $0.source == .defaultValue })
    }

    @Test func unrelatedEnvironmentVariablesAreIgnored() throws {
        let loaded = try load(file: nil, environment: ["SCORPIO_NOT_A_KEY": "x", "PATH": "/bin", "SCORPIO_CONFIG_FILE": "state.toml"])
        #expect(loaded.config.runtimeStateFile == "state.toml")
    }

    // Log level: --log-level > SCORPIO_LOG > config log_level (SCORPIO_LOG_LEVEL > file) > info.

    @Test func logLevelFromFile() throws {
        #expect(try load(file: "log_level = \"debug\"").config.logLevel == .debug)
    }

    @Test func logLevelVariableOverridesFile() throws {
        let loaded = try load(file: "log_level = \"debug\"", environment: ["SCORPIO_LOG_LEVEL": "error"])
        #expect(loaded.config.logLevel == .error)
    }

    @Test func scorpioLogOverridesLogLevelVariableAndFile() throws {
        let loaded = try load(file: "log_level = \"debug\"", environment: ["SCORPIO_LOG_LEVEL": "error", "SCORPIO_LOG": "warn"])
        #expect(loaded.config.logLevel == .warning)
        #expect(loaded.source(of: ConfigKey.named("log_level")!) == .environment(variable: "SCORPIO_LOG"))
    }

    @Test func logLevelFlagOverridesEverything() throws {
        let loaded = try load(file: "log_level = \"debug\"", environment: ["SCORPIO_LOG": "warn"],
                              overrides: [CommandLineOverride(keyNamed: "log_level", flag: "--log-level", value: "trace")])
        #expect(loaded.config.logLevel == .trace)
        #expect(loaded.source(of: ConfigKey.named("log_level")!) == .commandLine(flag: "--log-level"))
    }

    @Test func aBadValueInALowerLayerIsStillAnError() throws {
        let error = expectConfigError {
            _ = try load(file: "dicfuse_reply_ttl_secs = \"abc\"", environment: ["SCORPIO_DICFUSE_REPLY_TTL_SECS": "3"])
        }
        #expect(error?.message.hasPrefix("dicfuse_reply_ttl_secs = \"abc\"") == true)
    }
}
