import Foundation
import ScorpioKit
import SystemPackage
import Testing
import ScorpioTestSupport

@Suite("Config file parsing")
struct ConfigFileParsingTests {
    @Test func flatKeysWithNativeTypes() throws {
        let loaded = try load(file: """
            base_url = "http://mega.example:8000"
            dicfuse_reply_ttl_secs = 7
            dicfuse_readable = false
            store_max_bytes = "512M"
            union_driver = "kernel"
            repo = "/srv/monorepo"
            http_bind = "unix:/run/scorpio.sock"
            """)
        let config = loaded.config
        #expect(config.server.baseURL.absoluteString == "http://mega.example:8000")
        #expect(config.dicfuse.tuning.replyTTL == .seconds(7))
        #expect(config.dicfuse.readable == false)
        #expect(config.storeMaxBytes == .mebibytes(512))
        #expect(config.unionDriver == .kernel)
        #expect(config.treeSource.repository == "/srv/monorepo")
        #expect(config.server.httpBind == .unixSocket("/run/scorpio.sock"))
    }

    /// Upstream writes every value as a string.
    @Test func upstreamStyleQuotedValues() throws {
        let loaded = try load(file: """
            base_url = "http://localhost:8000"
            lfs_url = "http://localhost:8000/lfs"
            store_path = "/tmp/megadir/store"
            workspace = "/tmp/megadir/mount"
            config_file = "config.toml"
            git_author = "MEGA"
            git_email = "admin@mega.org"
            dicfuse_readable = "true"
            load_dir_depth = "5"
            fetch_file_thread = "10"
            dicfuse_dir_sync_ttl_secs = "5"
            dicfuse_stat_mode = "accurate"
            dicfuse_open_buff_max_bytes = "268435456"
            antares_dicfuse_stat_mode = "fast"
            antares_dicfuse_reply_ttl_secs = "60"
            antares_upper_root = "/tmp/megadir/antares/upper"
            antares_state_file = "/tmp/megadir/antares/state.toml"
            """)
        #expect(loaded.config.dicfuse.loadDirectoryDepth == 5)
        #expect(loaded.config.dicfuse.readable)
        #expect(loaded.config.dicfuse.tuning.openBufferMaxBytes == .mebibytes(256))
        #expect(loaded.config.antares.upperRoot == "/tmp/megadir/antares/upper")
        #expect(loaded.config.antares.dicfuse.replyTTL == .seconds(60))
    }

    @Test func sectionedForm() throws {
        let loaded = try load(file: """
            [server]
            base_url = "https://mega.example"

            [dicfuse]
            reply_ttl_secs = 9
            load_dir_depth = 1

            [antares]
            upper_root = "/srv/upper"
            dicfuse_reply_ttl_secs = 600
            """)
        let config = loaded.config
        #expect(config.server.baseURL.absoluteString == "https://mega.example")
        #expect(config.dicfuse.tuning.replyTTL == .seconds(9))
        #expect(config.dicfuse.loadDirectoryDepth == 1)
        #expect(config.antares.upperRoot == "/srv/upper")
        #expect(config.antares.dicfuse.replyTTL == .seconds(600))
        let upper = try #require(ConfigKey.named("antares_upper_root"))
        guard case .file = loaded.source(of: upper) else {
            Issue.record("antares.upper_root should count as set by the file")
            return
        }
    }

    @Test("every sectioned name sets its flat key", arguments: ConfigKey.all.filter { $0.sectionedName != nil })
    func sectionedNameSetsFlatKey(key: ConfigKey) throws {
        let sectioned = try #require(key.sectionedName)
        let loaded = try load(file: "[\(sectioned.section.rawValue)]\n\(sectioned.key) = \(key.defaultValue.tomlLiteral)\n")
        #expect(ConfigKey.named(sectioned.key, in: sectioned.section) == key)
        #expect(loaded.source(of: key) != .defaultValue)
    }

    @Test func flatAndSectionedMixInOneFile() throws {
        let loaded = try load(file: """
            antares_cl_root = "/srv/cl"
            [antares]
            upper_root = "/srv/upper"
            """)
        #expect(loaded.config.antares.clRoot == "/srv/cl")
        #expect(loaded.config.antares.upperRoot == "/srv/upper")
    }

    @Test func sameKeyFlatAndSectionedIsAnError() throws {
        let error = expectConfigError {
            _ = try load(file: """
                antares_upper_root = "/a"
                [antares]
                upper_root = "/b"
                """)
        }
        guard case .duplicateKey(let spellings, _) = error else {
            Issue.record("expected duplicateKey, got \(String(describing: error))")
            return
        }
        #expect(Set(spellings) == ["antares_upper_root", "antares.upper_root"])
        #expect(error?.message.contains("antares_upper_root and antares.upper_root") == true
            || error?.message.contains("antares.upper_root and antares_upper_root") == true)
    }

    @Test func sectionThatIsNotATable() throws {
        let error = expectConfigError { _ = try load(file: "antares = 5\n") }
        #expect(error?.message.contains("antares = 5") == true)
        #expect(error?.message.contains("expected a table") == true)
    }

    @Test func syntaxErrorNamesFileLineAndColumn() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appending("scorpio.toml")
            try write("base_url = \"http://x\"\nload_dir_depth = \n", to: file)
            let error = expectConfigError { _ = try isolatedLoader(in: directory).load() }
            guard case .syntaxError(let path, let line, _, _) = error else {
                Issue.record("expected syntaxError, got \(String(describing: error))")
                return
            }
            #expect(path == file)
            #expect(line == 2)
            #expect(error?.message.hasPrefix("\(file.string):2:") == true)
        }
    }

    @Test func loadingNeverRewritesTheFile() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appending("scorpio.toml")
            let text = "# keep me\nload_dir_depth = \"4\"\n\n[antares]\nupper_root = \"/srv/u\"\n"
            try write(text, to: file)
            let before = try FileManager.default.attributesOfItem(atPath: file.string)
            _ = try isolatedLoader(in: directory).load()
            _ = try isolatedLoader(in: directory).load(overrides: [CommandLineOverride(keyNamed: "antares_cl_root", flag: "--cl-root", value: "/x")])
            let after = try FileManager.default.attributesOfItem(atPath: file.string)
            #expect(try String(contentsOfFile: file.string, encoding: .utf8) == text)
            #expect(before[.modificationDate] as? Date == after[.modificationDate] as? Date)
            #expect(before[.systemFileNumber] as? Int == after[.systemFileNumber] as? Int)
        }
    }
}
