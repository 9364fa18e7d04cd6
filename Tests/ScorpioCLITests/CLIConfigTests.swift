import Foundation
import ScorpioKit
import SystemPackage
import Testing

@Suite("scorpio config")
struct CLIConfigTests {
    @Test func initWritesATemplateThatValidates() throws {
        try withSandbox { scorpio, directory in
            let written = try scorpio.run(["config", "init"])
            #expect(written.status == 0, "\(written.standardError)")
            let file = directory.appending("scorpio.toml")
            #expect(try contents(of: file) == ConfigTemplate.render())

            let validated = try scorpio.run(["config", "validate"])
            #expect(validated.status == 0, "\(validated.standardError)")
            #expect(validated.standardOutput.contains("config is valid: \(file.string)"))
            #expect(validated.standardOutput.contains("\(ConfigKey.all.count) set by the file"))
        }
    }

    @Test func initRefusesToOverwriteWithoutForce() throws {
        try withSandbox { scorpio, directory in
            let file = directory.appending("mine.toml")
            try write("revision = \"mine\"\n", to: file)
            let refused = try scorpio.run(["config", "init", "mine.toml"])
            #expect(refused.status == 1)
            #expect(refused.standardError == "scorpio: mine.toml already exists; pass --force to overwrite it\n")
            #expect(try contents(of: file) == "revision = \"mine\"\n")

            let forced = try scorpio.run(["config", "init", "--force", "mine.toml"])
            #expect(forced.status == 0)
            #expect(try contents(of: file) == ConfigTemplate.render())
        }
    }

    @Test func invalidValueExitsTwoNamingKeyValueAndFile() throws {
        try withSandbox { scorpio, directory in
            let file = directory.appending("scorpio.toml")
            try write("dicfuse_reply_ttl_secs = \"abc\"\n", to: file)
            for command in [["config", "validate"], ["config", "show"]] {
                let run = try scorpio.run(command)
                #expect(run.status == 2)
                #expect(run.standardError == "scorpio: config error: dicfuse_reply_ttl_secs = \"abc\" (from \(file.string)): "
                    + "expected a non-negative integer\n")
            }
        }
    }

    @Test func invalidEnvironmentValueNamesTheVariable() throws {
        try withSandbox { scorpio, _ in
            let run = try scorpio.run(["config", "validate"], environment: ["SCORPIO_UNION_DRIVER": "zfs"])
            #expect(run.status == 2)
            #expect(run.standardError == "scorpio: config error: union_driver = \"zfs\" (from env SCORPIO_UNION_DRIVER): "
                + "expected one of auto, fuse, kernel\n")
        }
    }

    @Test func invalidFlagValueNamesTheFlag() throws {
        try withSandbox { scorpio, _ in
            let run = try scorpio.run(["--log-level", "loud", "config", "show"])
            #expect(run.status == 2)
            #expect(run.standardError.hasPrefix("scorpio: config error: log_level = \"loud\" (from --log-level): expected one of"))
        }
    }

    @Test func unknownKeyExitsTwoWithASuggestion() throws {
        try withSandbox { scorpio, directory in
            try write("[antares]\nuper_root = \"/x\"\n", to: directory.appending("scorpio.toml"))
            let run = try scorpio.run(["config", "validate"])
            #expect(run.status == 2)
            #expect(run.standardError.contains("unknown key antares.uper_root"))
            #expect(run.standardError.contains("did you mean antares.upper_root?"))
        }
    }

    @Test func missingExplicitConfigPathIsAConfigError() throws {
        try withSandbox { scorpio, directory in
            let run = try scorpio.run(["--config-path", "absent.toml", "config", "show"])
            #expect(run.status == 2)
            #expect(run.standardError == "scorpio: config error: config file \(directory.string)/absent.toml does not exist "
                + "(from --config-path)\n")
        }
    }

    @Test func validateTakesAPathArgument() throws {
        try withSandbox { scorpio, directory in
            try write("revision = \"\"\n", to: directory.appending("other.toml"))
            let run = try scorpio.run(["config", "validate", "other.toml"])
            #expect(run.status == 2)
            #expect(run.standardError.contains("revision = \"\" (from \(directory.string)/other.toml)"))
        }
    }

    @Test func showReportsEachSource() throws {
        try withSandbox { scorpio, directory in
            try write("revision = \"main\"\n", to: directory.appending("scorpio.toml"))
            let run = try scorpio.run(["--upper-root", "/srv/upper", "config", "show", "--json", "--cl-root", "/srv/cl"],
                                      environment: ["SCORPIO_ARTIFACT_COMPRESSION": "zstd", "SCORPIO_LOG": "debug"])
            #expect(run.status == 0, "\(run.standardError)")
            let entries = try Self.entries(fromJSON: run.standardOutput)
            #expect(entries["revision"]?.value == "main")
            #expect(entries["revision"]?.source == "file")
            #expect(entries["antares_upper_root"]?.value == "/srv/upper")
            #expect(entries["antares_upper_root"]?.origin == "--upper-root")
            #expect(entries["antares_cl_root"]?.origin == "--cl-root")
            #expect(entries["artifact_compression"]?.origin == "SCORPIO_ARTIFACT_COMPRESSION")
            #expect(entries["log_level"]?.value == "debug")
            #expect(entries["log_level"]?.origin == "SCORPIO_LOG")
            #expect(entries["base_url"]?.source == "default")
        }
    }

    @Test("every global option sets its key, before or after the subcommand", arguments: [
        ("--upper-root", "antares_upper_root"), ("--cl-root", "antares_cl_root"), ("--mount-root", "antares_mount_root"),
        ("--state-file", "antares_state_file"), ("--store-path", "store_path"),
    ])
    func globalOptionSetsItsKey(flag: String, key: String) throws {
        try withSandbox { scorpio, _ in
            for arguments in [[flag, "/srv/x", "config", "show", "--json"], ["config", "show", "--json", flag, "/srv/x"]] {
                let run = try scorpio.run(arguments)
                #expect(run.status == 0, "\(run.standardError)")
                let entry = try Self.entries(fromJSON: run.standardOutput)[key]
                #expect(entry?.value == "/srv/x")
                #expect(entry?.origin == flag)
            }
        }
    }

    @Test func logLevelFlagOutranksScorpioLog() throws {
        try withSandbox { scorpio, directory in
            try write("log_level = \"debug\"\n", to: directory.appending("scorpio.toml"))
            let run = try scorpio.run(["config", "show", "--json", "--log-level", "error"], environment: ["SCORPIO_LOG": "trace"])
            #expect(try Self.entries(fromJSON: run.standardOutput)["log_level"]?.value == "error")
            let withoutFlag = try scorpio.run(["config", "show", "--json"], environment: ["SCORPIO_LOG": "trace"])
            #expect(try Self.entries(fromJSON: withoutFlag.standardOutput)["log_level"]?.value == "trace")
        }
    }

    @Test func scorpioConfigVariableSelectsTheFile() throws {
        try withSandbox { scorpio, directory in
            let file = directory.appending("ci.toml")
            try write("revision = \"ci\"\n", to: file)
            let run = try scorpio.run(["config", "show"], environment: ["SCORPIO_CONFIG": file.string])
            #expect(run.status == 0)
            #expect(run.standardOutput.hasPrefix("# config file: \(file.string) (from SCORPIO_CONFIG)"))
            #expect(run.standardOutput.contains("revision = \"ci\""))
        }
    }

    @Test func commandsNeverRewriteTheConfigFile() throws {
        try withSandbox { scorpio, directory in
            let file = directory.appending("scorpio.toml")
            let text = "# hand-written\nload_dir_depth = \"4\"\n" + sandboxedDirectories(in: directory)
            try write(text, to: file)
            for command in [["config", "validate"], ["config", "show"], ["config", "show", "--json"], ["doctor"]] {
                _ = try scorpio.run(command)
            }
            #expect(try contents(of: file) == text)
        }
    }

    struct Entry {
        let value: String
        let source: String
        let origin: String?
    }

    static func entries(fromJSON text: String) throws -> [String: Entry] {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let keys = try #require(document["keys"] as? [[String: Any]])
        var entries: [String: Entry] = [:]
        for key in keys {
            guard let name = key["key"] as? String else { continue }
            entries[name] = Entry(value: "\(key["value"] ?? "")", source: key["source"] as? String ?? "",
                                  origin: key["origin"] as? String)
        }
        return entries
    }
}
