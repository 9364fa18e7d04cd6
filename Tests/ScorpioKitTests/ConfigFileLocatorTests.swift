import ScorpioKit
import SystemPackage
import Testing
import ScorpioTestSupport

@Suite("Config file location")
struct ConfigFileLocatorTests {
    @Test func noFileAnywhereMeansDefaultsOnly() throws {
        try withTemporaryDirectory { directory in
            let location = try isolatedLoader(in: directory, environment: ["HOME": directory.string]).locateFile()
            #expect(location == nil)
        }
    }

    @Test func explicitPathThatDoesNotExistIsAnError() throws {
        try withTemporaryDirectory { directory in
            let missing = directory.appending("missing.toml")
            let error = expectConfigError { _ = try isolatedLoader(in: directory).load(configPath: missing) }
            #expect(error == .fileNotFound(missing, source: .commandLine(flag: "--config-path")))
        }
    }

    @Test func relativeExplicitPathIsTakenFromTheCurrentDirectory() throws {
        try withTemporaryDirectory { directory in
            try write("", to: directory.appending("ci.toml"))
            let location = try isolatedLoader(in: directory).locateFile(explicitPath: "ci.toml")
            #expect(location == ConfigFileLocation(path: directory.appending("ci.toml"), reason: .commandLine))
        }
    }

    @Test func scorpioConfigVariable() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appending("from-env.toml")
            try write("", to: file)
            try write("", to: directory.appending("scorpio.toml"))
            let location = try isolatedLoader(in: directory, environment: ["SCORPIO_CONFIG": file.string]).locateFile()
            #expect(location == ConfigFileLocation(path: file, reason: .environment))
        }
    }

    @Test func scorpioConfigVariableNamingAMissingFileIsAnError() throws {
        try withTemporaryDirectory { directory in
            let missing = directory.appending("nope.toml")
            let error = expectConfigError {
                _ = try isolatedLoader(in: directory, environment: ["SCORPIO_CONFIG": missing.string]).load()
            }
            #expect(error == .fileNotFound(missing, source: .environment(variable: "SCORPIO_CONFIG")))
        }
    }

    @Test func explicitPathOutranksTheVariable() throws {
        try withTemporaryDirectory { directory in
            let flagged = directory.appending("flag.toml"), variable = directory.appending("env.toml")
            try write("", to: flagged)
            try write("", to: variable)
            let location = try isolatedLoader(in: directory, environment: ["SCORPIO_CONFIG": variable.string])
                .locateFile(explicitPath: flagged)
            #expect(location?.path == flagged)
        }
    }

    @Test func currentDirectoryOutranksUserConfig() throws {
        try withTemporaryDirectory { directory in
            let home = directory.appending("home")
            try createDirectories(home.appending(".config/scorpio"))
            try write("", to: home.appending(".config/scorpio/scorpio.toml"))
            try write("", to: directory.appending("scorpio.toml"))
            let location = try isolatedLoader(in: directory, environment: ["HOME": home.string]).locateFile()
            #expect(location == ConfigFileLocation(path: directory.appending("scorpio.toml"), reason: .currentDirectory))
        }
    }

    @Test func userConfigUnderHome() throws {
        try withTemporaryDirectory { directory in
            let home = directory.appending("home")
            let file = home.appending(".config/scorpio/scorpio.toml")
            try createDirectories(file.removingLastComponent())
            try write("", to: file)
            let location = try isolatedLoader(in: directory, environment: ["HOME": home.string]).locateFile()
            #expect(location == ConfigFileLocation(path: file, reason: .userConfigDirectory))
        }
    }

    @Test func userConfigUnderXDGConfigHome() throws {
        try withTemporaryDirectory { directory in
            let xdg = directory.appending("xdg")
            let file = xdg.appending("scorpio/scorpio.toml")
            try createDirectories(file.removingLastComponent())
            try write("", to: file)
            let environment = ["HOME": directory.appending("home").string, "XDG_CONFIG_HOME": xdg.string]
            let location = try isolatedLoader(in: directory, environment: environment).locateFile()
            #expect(location == ConfigFileLocation(path: file, reason: .userConfigDirectory))
        }
    }

    @Test func systemConfigIsTheLastResort() throws {
        try withTemporaryDirectory { directory in
            let system = directory.appending("etc-scorpio.toml")
            try write("revision = \"main\"\n", to: system)
            let loader = ConfigLoader(environment: ["HOME": directory.string], currentDirectory: directory.appending("elsewhere"),
                                      systemConfigFile: system)
            let loaded = try loader.load()
            #expect(loaded.file == ConfigFileLocation(path: system, reason: .system))
            #expect(loaded.config.treeSource.revision == "main")
        }
    }
}
