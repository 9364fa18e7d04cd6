import Foundation
import ScorpioKit
import SystemPackage
import Testing
import ScorpioTestSupport

@Suite("config init template")
struct ConfigTemplateTests {
    @Test func initThenLoadEqualsDefaults() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appending("scorpio.toml")
            try ConfigTemplate.write(to: file, overwrite: false)
            let loaded = try isolatedLoader(in: directory).load(configPath: file)
            #expect(loaded.config == ScorpioConfig())
            #expect(loaded.entries.allSatisfy { $0.source == .file(file) }, "the template should set every key")
        }
    }

    @Test func templateListsEveryKeyWithItsEnvironmentVariable() {
        let template = ConfigTemplate.render()
        for key in ConfigKey.all {
            #expect(template.contains("\n\(key.name) = \(key.defaultValue.tomlLiteral)\n"), "\(key.name) missing")
            #expect(template.contains(key.environmentVariable))
        }
    }

    @Test func refusesToOverwriteWithoutForce() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appending("scorpio.toml")
            try write("revision = \"mine\"\n", to: file)
            #expect(throws: ConfigTemplateError.fileExists(file)) {
                try ConfigTemplate.write(to: file, overwrite: false)
            }
            #expect(try String(contentsOfFile: file.string, encoding: .utf8) == "revision = \"mine\"\n")
            try ConfigTemplate.write(to: file, overwrite: true)
            #expect(try String(contentsOfFile: file.string, encoding: .utf8) == ConfigTemplate.render())
        }
    }

    @Test func createsMissingParentDirectories() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appending("home/.config/scorpio/scorpio.toml")
            try ConfigTemplate.write(to: file, overwrite: false)
            #expect(FileManager.default.fileExists(atPath: file.string))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: file.removingLastComponent().string)
            #expect(leftovers == ["scorpio.toml"], "no temporary file may stay behind")
        }
    }
}
