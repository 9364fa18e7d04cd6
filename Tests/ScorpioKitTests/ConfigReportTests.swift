import Foundation
import ScorpioKit
import Testing

@Suite("config show")
struct ConfigReportTests {
    @Test func textListsEveryKeyWithItsSource() throws {
        let loaded = try load(file: "revision = \"main\"\n", environment: ["SCORPIO_UNION_DRIVER": "fuse"],
                              overrides: [CommandLineOverride(keyNamed: "antares_upper_root", flag: "--upper-root", value: "/srv/u")])
        let text = ConfigReport.text(for: loaded)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("# config file: ") == true)
        #expect(lines.count == ConfigKey.all.count + 1)
        #expect(lines.contains { $0.hasPrefix("revision = \"main\"") && $0.hasSuffix("scorpio.toml") })
        #expect(lines.contains { $0.hasPrefix("union_driver = \"fuse\"") && $0.hasSuffix("# env SCORPIO_UNION_DRIVER") })
        #expect(lines.contains { $0.hasPrefix("antares_upper_root = \"/srv/u\"") && $0.hasSuffix("# --upper-root") })
        #expect(lines.contains { $0.hasPrefix("base_url = ") && $0.hasSuffix("# default") })
    }

    @Test func textOutputIsValidTOMLThatLoadsBackToTheSameValues() throws {
        let loaded = try load(file: "[antares]\nupper_root = \"/srv/u\"\nload_dir_depth = \"7\"\n")
        let text = ConfigReport.text(for: loaded)
        #expect(try ConfigLoader.parse(text).config == loaded.config)
    }

    @Test func secretsAreMasked() throws {
        let loaded = try load(file: "api_token = \"s3cret\"\n")
        #expect(!ConfigReport.text(for: loaded).contains("s3cret"))
        #expect(!ConfigReport.json(for: loaded).contains("s3cret"))
        #expect(loaded.config.server.apiToken == "s3cret")
    }

    @Test func jsonHasTypedValuesAndSources() throws {
        let loaded = try load(file: "load_dir_depth = 5\n", environment: ["SCORPIO_LOG": "debug"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(ConfigReport.json(for: loaded).utf8)) as? [String: Any])
        #expect((json["file"] as? String)?.hasSuffix("/scorpio.toml") == true)
        let keys = try #require(json["keys"] as? [[String: Any]])
        #expect(keys.count == ConfigKey.all.count)
        let depth = try #require(keys.first { $0["key"] as? String == "load_dir_depth" })
        #expect(depth["value"] as? Int == 5)
        #expect(depth["source"] as? String == "file")
        let level = try #require(keys.first { $0["key"] as? String == "log_level" })
        #expect(level["source"] as? String == "env")
        #expect(level["origin"] as? String == "SCORPIO_LOG")
        let readable = try #require(keys.first { $0["key"] as? String == "dicfuse_readable" })
        #expect(readable["value"] as? Bool == true)
        #expect(readable["source"] as? String == "default")
    }

    @Test func jsonWithoutAFileSaysNull() throws {
        let text = ConfigReport.json(for: try load(file: nil))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(json["file"] is NSNull)
    }
}
