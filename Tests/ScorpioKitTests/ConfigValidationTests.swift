import ScorpioKit
import SystemPackage
import Testing
import ScorpioTestSupport

@Suite("Config validation names key, value and source")
struct ConfigValidationTests {
    /// A value each key must refuse, and the words of the expectation it must give.
    static let invalidValues: [(key: String, value: String, expectation: String)] = [
        ("base_url", "localhost:8000", "expected an http or https URL"),
        ("lfs_url", "ftp://files.example", "expected an http or https URL"),
        ("http_bind", "127.0.0.1", "expected host:port"),
        ("workspace", "", "expected a non-empty path"),
        ("store_path", "", "expected a non-empty path"),
        ("store_max_bytes", "10X", "expected a positive size"),
        ("http_body_limit", "0", "expected a positive size"),
        ("config_file", "", "expected a non-empty path"),
        ("log_level", "loud", "expected one of trace, debug, info, notice, warning, error, critical"),
        ("dicfuse_readable", "yes", "expected true or false"),
        ("load_dir_depth", "-1", "expected a non-negative integer"),
        ("fetch_file_thread", "0", "expected a positive integer"),
        ("dicfuse_import_concurrency", "four", "expected a positive integer"),
        ("dicfuse_dir_sync_ttl_secs", "5s", "expected a non-negative integer"),
        ("dicfuse_reply_ttl_secs", "abc", "expected a non-negative integer"),
        ("dicfuse_fetch_dir_timeout_secs", "0", "expected a positive integer"),
        ("dicfuse_connect_timeout_secs", "-3", "expected a positive integer"),
        ("dicfuse_fetch_dir_max_retries", "1.5", "expected a non-negative integer"),
        ("dicfuse_stat_mode", "slow", "expected one of fast, accurate"),
        ("dicfuse_open_buff_max_bytes", "0", "expected a positive size"),
        ("dicfuse_open_buff_max_files", "0", "expected a positive integer"),
        ("antares_upper_root", "", "expected a non-empty path"),
        ("antares_cl_root", "", "expected a non-empty path"),
        ("antares_mount_root", "", "expected a non-empty path"),
        ("antares_state_file", "", "expected a non-empty path"),
        ("antares_base_root", "", "expected a non-empty path"),
        ("base_linger", "5m", "expected a non-negative integer"),
        ("antares_load_dir_depth", "deep", "expected a non-negative integer"),
        ("antares_dicfuse_stat_mode", "medium", "expected one of fast, accurate"),
        ("antares_dicfuse_open_buff_max_bytes", "-64M", "expected a positive size"),
        ("antares_dicfuse_open_buff_max_files", "-1", "expected a positive integer"),
        ("antares_dicfuse_dir_sync_ttl_secs", "2m", "expected a non-negative integer"),
        ("antares_dicfuse_reply_ttl_secs", "-60", "expected a non-negative integer"),
        ("fuse_device", "", "expected a non-empty path"),
        ("union_driver", "zfs", "expected one of auto, fuse, kernel"),
        ("source", "svn", "expected one of git, dir, mega"),
        ("revision", "", "expected a non-empty string"),
        ("cl_ref_pattern", "refs/cl/", "expected a ref pattern containing {cl}"),
        ("artifact_compression", "bz2", "expected one of gzip, zstd, none"),
    ]

    /// Keys that take any string; only a value of the wrong TOML type is invalid.
    static let keysTakingAnyString: Set<String> = ["git_author", "git_email", "api_token", "repo", "artifacts_dir"]

    @Test func everyKeyHasAnInvalidValueUnderTest() {
        let covered = Set(Self.invalidValues.map(\.key)).union(Self.keysTakingAnyString)
        #expect(covered == Set(ConfigKey.all.map(\.name)))
    }

    @Test("a bad value in the file names key, value, file path and expectation", arguments: invalidValues)
    func invalidInFile(key: String, value: String, expectation: String) throws {
        try withTemporaryDirectory { directory in
            let file = directory.appending("scorpio.toml")
            try write("\(key) = \"\(value)\"\n", to: file)
            let error = expectConfigError { _ = try isolatedLoader(in: directory).load() }
            #expect(error == .invalidValue(key: key, value: .string(value), source: .file(file),
                                           expectation: error.map(Self.expectation(of:)) ?? ""))
            #expect(error?.description.hasPrefix("config error: \(key) = \"\(value)\" (from \(file.string)): \(expectation)") == true,
                    "\(String(describing: error))")
        }
    }

    @Test("a bad value in the environment names the variable", arguments: invalidValues)
    func invalidInEnvironment(key: String, value: String, expectation: String) throws {
        let variable = "SCORPIO_" + key.uppercased()
        let error = expectConfigError { _ = try load(file: nil, environment: [variable: value]) }
        #expect(error?.message.hasPrefix("\(key) = \"\(value)\" (from env \(variable)): \(expectation)") == true,
                "\(String(describing: error))")
    }

    @Test("a bad value from a flag names the flag", arguments: invalidValues)
    func invalidFromFlag(key: String, value: String, expectation: String) throws {
        let error = expectConfigError {
            _ = try load(file: nil, overrides: [CommandLineOverride(keyNamed: key, flag: "--some-flag", value: value)])
        }
        #expect(error?.message.hasPrefix("\(key) = \"\(value)\" (from --some-flag): \(expectation)") == true,
                "\(String(describing: error))")
    }

    @Test("a value of the wrong TOML type is refused for every key", arguments: ConfigKey.all)
    func wrongTOMLType(key: ConfigKey) throws {
        let error = expectConfigError { _ = try load(file: "\(key.name) = [1, 2]\n") }
        guard case .invalidValue(let name, let value, let source, _) = error else {
            Issue.record("expected invalidValue, got \(String(describing: error))")
            return
        }
        #expect(name == key.name)
        #expect(value.typeName == "array")
        guard case .file = source else {
            Issue.record("source should be the file, is \(source)")
            return
        }
        #expect(error?.message.contains("\(key.name) = [") == true)
    }

    @Test func sectionedSpellingIsNamedInErrors() throws {
        let error = expectConfigError { _ = try load(file: "[dicfuse]\nreply_ttl_secs = \"abc\"\n") }
        #expect(error?.message.hasPrefix("dicfuse.reply_ttl_secs = \"abc\" (from ") == true, "\(String(describing: error))")
    }

    @Test func bindingBeyondLoopbackNeedsAToken() throws {
        let error = expectConfigError { _ = try load(file: "http_bind = \"0.0.0.0:2726\"\n") }
        #expect(error?.message.contains("http_bind = \"0.0.0.0:2726\"") == true)
        #expect(error?.message.contains("requires api_token") == true)
        let loaded = try load(file: "http_bind = \"0.0.0.0:2726\"\napi_token = \"s3cret\"\n")
        #expect(loaded.config.server.httpBind == .tcp(host: "0.0.0.0", port: 2726))
    }

    @Test func configErrorsExitWithStatusTwo() {
        let error = ConfigError.fileNotFound("/x.toml", source: .commandLine(flag: "--config-path"))
        #expect(error.exitStatus == .configError)
        #expect(error.exitStatus.rawValue == 2)
        #expect(error.description == "config error: config file /x.toml does not exist (from --config-path)")
    }

    private static func expectation(of error: ConfigError) -> String {
        if case .invalidValue(_, _, _, let expectation) = error { return expectation }
        return ""
    }
}
