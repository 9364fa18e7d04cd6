import Foundation
import ScorpioKit
import SystemPackage
import Testing

@Suite("Config defaults")
struct ConfigDefaultsTests {
    /// Upstream's defaults (scorpiofs) and ours, as `config init` writes them.
    static let expectedDefaults: [(key: String, literal: String)] = [
        ("base_url", #""http://localhost:8000""#),
        ("lfs_url", #""http://localhost:8000/lfs""#),
        ("workspace", #""/tmp/scorpio-megadir/mount""#),
        ("store_path", #""/tmp/scorpio-megadir/store""#),
        ("config_file", #""config.toml""#),
        ("git_author", #""MEGA""#),
        ("git_email", #""admin@mega.org""#),
        ("log_level", #""info""#),
        ("dicfuse_readable", "true"),
        ("load_dir_depth", "3"),
        ("fetch_file_thread", "10"),
        ("dicfuse_import_concurrency", "4"),
        ("dicfuse_dir_sync_ttl_secs", "5"),
        ("dicfuse_reply_ttl_secs", "2"),
        ("dicfuse_fetch_dir_timeout_secs", "10"),
        ("dicfuse_connect_timeout_secs", "3"),
        ("dicfuse_fetch_dir_max_retries", "3"),
        ("dicfuse_stat_mode", #""accurate""#),
        ("dicfuse_open_buff_max_bytes", #""256M""#),
        ("dicfuse_open_buff_max_files", "4096"),
        ("antares_upper_root", #""/tmp/scorpio-megadir/antares/upper""#),
        ("antares_cl_root", #""/tmp/scorpio-megadir/antares/cl""#),
        ("antares_mount_root", #""/tmp/scorpio-megadir/antares/mnt""#),
        ("antares_state_file", #""/tmp/scorpio-megadir/antares/state.toml""#),
        ("antares_base_root", #""/tmp/scorpio-megadir/antares/bases""#),
        ("base_linger", "300"),
        ("antares_load_dir_depth", "3"),
        ("antares_dicfuse_stat_mode", #""fast""#),
        ("antares_dicfuse_open_buff_max_bytes", #""64M""#),
        ("antares_dicfuse_open_buff_max_files", "1024"),
        ("antares_dicfuse_dir_sync_ttl_secs", "120"),
        ("antares_dicfuse_reply_ttl_secs", "60"),
        ("fuse_device", #""/dev/fuse""#),
        ("union_driver", #""auto""#),
        ("source", #""git""#),
        ("repo", #""""#),
        ("revision", #""HEAD""#),
        ("cl_ref_pattern", #""refs/cl/{cl}""#),
        ("artifacts_dir", #""""#),
        ("artifact_compression", #""gzip""#),
        ("store_max_bytes", #""10G""#),
        ("http_bind", #""127.0.0.1:2726""#),
        ("api_token", #""""#),
        ("http_body_limit", #""64K""#),
    ]

    @Test("every key has the documented default", arguments: expectedDefaults)
    func defaultValue(key: String, literal: String) throws {
        let configKey = try #require(ConfigKey.named(key), "no key \(key)")
        #expect(configKey.defaultValue.tomlLiteral == literal)
    }

    @Test func theTableHasExactlyTheDocumentedKeys() {
        #expect(Set(ConfigKey.all.map(\.name)) == Set(Self.expectedDefaults.map(\.key)))
        #expect(ConfigKey.all.count == Self.expectedDefaults.count, "a key name appears twice in the table")
    }

    @Test func sectionedNamesAreUnique() {
        let sectioned = ConfigKey.all.compactMap(\.sectionedName)
        #expect(Set(sectioned).count == sectioned.count)
    }

    @Test func environmentVariablesAreTheKeyUpperCased() throws {
        #expect(try #require(ConfigKey.named("antares_upper_root")).environmentVariable == "SCORPIO_ANTARES_UPPER_ROOT")
        for key in ConfigKey.all {
            #expect(key.environmentVariable == "SCORPIO_" + key.name.uppercased())
        }
    }

    @Test func loadingWithNothingGivesTheDefaults() throws {
        let loaded = try load(file: nil)
        #expect(loaded.config == ScorpioConfig())
        #expect(loaded.file == nil)
        #expect(loaded.entries.allSatisfy { $0.source == .defaultValue })
    }

    @Test func typedDefaults() {
        let config = ScorpioConfig()
        #expect(config.server.baseURL.absoluteString == "http://localhost:8000")
        #expect(config.dicfuse.tuning.replyTTL == .seconds(2))
        #expect(config.antares.dicfuse.replyTTL == .seconds(60))
        #expect(config.storeMaxBytes == .gibibytes(10))
        #expect(config.server.httpBind == .tcp(host: "127.0.0.1", port: 2726))
        #expect(config.treeSource.repository == nil)
        #expect(config.unionDriver == .auto)
        #expect(config.logLevel == .info)
    }
}
