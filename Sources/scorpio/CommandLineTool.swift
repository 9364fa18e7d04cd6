import ArgumentParser
import ScorpioKit

#if canImport(Glibc)
import Glibc
#endif

/// Parses the command line, runs the command, and turns every outcome into output and an exit status:
/// `scorpio: <message>` on stderr, and the status from `ScorpioExitStatus`.
enum CommandLineTool {
    static func main(_ arguments: [String]? = nil) async -> Never {
        do {
            var command = try await ScorpioCommand.asyncParseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(ScorpioExitStatus.success.rawValue)
        } catch let failure as ScorpioFailure {
            StandardError.write("scorpio: \(failure.description)")
            exit(failure.exitStatus.rawValue)
        } catch let exitCode as ExitCode {
            exit(exitCode.rawValue)
        } catch {
            exit(reportArgumentParserOutcome(error).rawValue)
        }
    }

    /// Help and version go to stdout with status 0; usage errors to stderr with status 2.
    private static func reportArgumentParserOutcome(_ error: Error) -> ScorpioExitStatus {
        let exitCode = ScorpioCommand.exitCode(for: error)
        if exitCode == .success {
            print(ScorpioCommand.fullMessage(for: error))
            return .success
        }
        let message = ScorpioCommand.fullMessage(for: error)
        let prefix = "Error: "
        StandardError.write("scorpio: " + (message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : message))
        return exitCode == .validationFailure ? .usageError : .failure
    }
}

/// Lines for the user on stderr, each in one write(2) so concurrent lines do not interleave.
enum StandardError {
    static func write(_ line: String) {
        var bytes = Array(line.utf8)
        if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
