import ArgumentParser
import ScorpioKit

#if canImport(Glibc)
import Glibc
#endif

/// Parses the command line, runs the command, and turns every outcome into output and an exit status:
/// `scorpio: <message>` on stderr, and the status from `ScorpioExitStatus`.
enum CommandLineTool {
    /// Runs a synchronous command on the calling thread (the main one, where parsing left it): no
    /// thread to start and wake for it, and none to wake back when it ends, 1–2 ms each on a host whose
    /// idle CPUs sleep.
    static func run(_ command: ParsableCommand) -> Never {
        var command = command
        run { try command.run() }
    }

    /// Runs `body` on the calling thread, as ``run(_:)`` runs a command.
    static func run(_ body: () throws -> Void) -> Never {
        do {
            try body()
            exit(ScorpioExitStatus.success.rawValue)
        } catch {
            fail(with: error)
        }
    }

    /// `parsed`: the command already parsed from `arguments`, if it was.
    static func main(_ arguments: [String]? = nil, parsed: ParsableCommand? = nil) async -> Never {
        do {
            var command = if let parsed { parsed } else { try await ScorpioCommand.asyncParseAsRoot(arguments) }
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(ScorpioExitStatus.success.rawValue)
        } catch {
            fail(with: error)
        }
    }

    private static func fail(with error: Error) -> Never {
        let outcome = outcome(of: error)
        // A background server's failure is the caller's to print (its own stderr is /dev/null).
        if outcome.status != .success, BackgroundServer.reportFailure(outcome.message, status: outcome.status) {
            exit(outcome.status.rawValue)
        }
        if outcome.message.isEmpty {
            exit(outcome.status.rawValue)
        }
        if outcome.status == .success {
            print(outcome.message)
        } else {
            StandardError.write("scorpio: " + outcome.message)
        }
        exit(outcome.status.rawValue)
    }

    /// The message and exit status of an error: a Scorpio failure's own, help and version (status 0,
    /// for stdout), a usage error (2) or any other error (1).
    private static func outcome(of error: Error) -> (message: String, status: ScorpioExitStatus) {
        switch error {
        case let failure as ScorpioFailure:
            return (failure.description, failure.exitStatus)
        case let exitCode as ExitCode:
            return ("", ScorpioExitStatus(rawValue: exitCode.rawValue))
        default:
            let exitCode = ScorpioCommand.exitCode(for: error)
            let message = ScorpioCommand.fullMessage(for: error)
            if exitCode == .success { return (message, .success) }
            let prefix = "Error: "
            let text = message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : message
            return (text, exitCode == .validationFailure ? .usageError : .failure)
        }
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
