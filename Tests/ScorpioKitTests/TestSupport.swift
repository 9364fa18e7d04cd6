import Foundation
import ScorpioKit
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
import ScorpioTestSupport
#endif

func write(_ text: String, to path: FilePath) throws {
    try text.write(toFile: path.string, atomically: false, encoding: .utf8)
}

func createDirectories(_ path: FilePath) throws {
    try FileManager.default.createDirectory(atPath: path.string, withIntermediateDirectories: true)
}

/// A loader that sees only what the test gives it: no process environment, no real config files.
func isolatedLoader(in directory: FilePath, environment: [String: String] = [:]) -> ConfigLoader {
    ConfigLoader(environment: environment, currentDirectory: directory,
                 systemConfigFile: directory.appending("no-such-system-config.toml"))
}

/// Loads `text` as the config file `scorpio.toml` in a fresh directory, with the given environment and overrides.
func load(file text: String?, environment: [String: String] = [:],
          overrides: [CommandLineOverride] = []) throws -> LoadedConfig {
    try withTemporaryDirectory { directory in
        if let text { try write(text, to: directory.appending("scorpio.toml")) }
        return try isolatedLoader(in: directory, environment: environment).load(overrides: overrides)
    }
}

/// Runs `body` expecting a `ConfigError` and returns it.
func expectConfigError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
    do {
        try body()
        Issue.record("expected a config error, but loading succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as ConfigError {
        return error
    } catch {
        Issue.record("expected a ConfigError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Facts of the machine the tests run on.
enum TestHost {
    static var isRoot: Bool { geteuid() == 0 }
    static var hasFuseDevice: Bool { FileManager.default.fileExists(atPath: "/dev/fuse") }
    static var canRunPrivilegedChecks: Bool { isRoot && hasFuseDevice }

    /// The `scorpio` binary `swift test` built beside the test bundle.
    static var scorpioExecutable: FilePath? {
        guard let testBinary = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let candidate = FilePath(testBinary).removingLastComponent().appending("scorpio")
        return FileManager.default.isExecutableFile(atPath: candidate.string) ? candidate : nil
    }
}
