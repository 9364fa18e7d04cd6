import Foundation
import ScorpioTestSupport
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The outcome of one run of the `scorpio` binary.
struct ScorpioRun {
    let status: Int32
    let standardOutput: String
    let standardError: String
}

/// Runs the `scorpio` binary built beside this test bundle, in a sandbox directory with a private HOME
/// and no SCORPIO_* variables from the outer environment.
struct ScorpioProcess {
    let executable: FilePath
    let workingDirectory: FilePath
    /// Passed as `--config-path` before the arguments, when set.
    var configPath: FilePath? = nil

    static func locate() throws -> FilePath {
        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let candidate = FilePath(testBinary).removingLastComponent().appending("scorpio")
        guard FileManager.default.isExecutableFile(atPath: candidate.string) else {
            throw LocateError(message: "no scorpio binary at \(candidate.string); build the package first")
        }
        return candidate
    }

    struct LocateError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ScorpioRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.string)
        process.arguments = configPath.map { ["--config-path", $0.string] + arguments } ?? arguments
        process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory.string)
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": workingDirectory.string]
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read stderr on another thread so that neither pipe can fill up and stall the child.
        let errorReader = Thread.detachNewPipeReader(errors)
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ScorpioRun(status: process.terminationStatus,
                          standardOutput: String(decoding: outputData, as: UTF8.self),
                          standardError: String(decoding: errorReader.wait(), as: UTF8.self))
    }
}

/// Collects one pipe's bytes on a thread of its own.
final class PipeReader: @unchecked Sendable {
    private let pipe: Pipe
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ pipe: Pipe) {
        self.pipe = pipe
    }

    func start() {
        Thread.detachNewThread { [self] in
            data = pipe.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

extension Thread {
    static func detachNewPipeReader(_ pipe: Pipe) -> PipeReader {
        let reader = PipeReader(pipe)
        reader.start()
        return reader
    }
}

/// A fresh directory under /tmp for one test, removed when the body returns or throws.
func withSandbox<Result>(_ body: (ScorpioProcess, FilePath) throws -> Result) throws -> Result {
    try withTemporaryDirectory { directory in
        try body(ScorpioProcess(executable: try ScorpioProcess.locate(), workingDirectory: directory), directory)
    }
}

func write(_ text: String, to path: FilePath) throws {
    try text.write(toFile: path.string, atomically: false, encoding: .utf8)
}

func contents(of path: FilePath) throws -> String {
    try String(contentsOfFile: path.string, encoding: .utf8)
}

/// Config lines that keep every directory Scorpio writes inside the sandbox.
func sandboxedDirectories(in directory: FilePath) -> String {
    """
    store_path = "\(directory.string)/store"
    [antares]
    upper_root = "\(directory.string)/antares/upper"
    cl_root = "\(directory.string)/antares/cl"
    mount_root = "\(directory.string)/antares/mnt"
    state_file = "\(directory.string)/antares/state.toml"
    base_root = "\(directory.string)/antares/bases"
    base_linger = 0

    """
}
