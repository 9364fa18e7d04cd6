import ArgumentParser
import Glibc
import ScorpioKit

/// A command whose mount is served, unless asked otherwise, from a background process.
protocol BackgroundServing: AsyncParsableCommand {
    /// Whether this invocation forks the background process that mounts and serves right after
    /// parsing (rather than serving from this process, asking a daemon, or forking later itself).
    var forksAtLaunch: Bool { get }
    /// What the caller prints once the background process `pid` reported `ready` after `elapsed`.
    func announcement(ready: String, pid: pid_t, elapsed: Duration) -> String?
    /// Whether this invocation mounts and serves from this process (or its background child) rather
    /// than asking a daemon: then ``serveHere()`` runs it.
    var servesHere: Bool { get }
    /// Mounts and serves until the mount goes. Synchronous, so it runs on the thread that parsed the
    /// command: no thread started for it, no wake-up across CPUs before the mount is ready.
    func serveHere() throws
}

extension BackgroundServing {
    var servesHere: Bool { true }

    func run() async throws { try serveHere() }
}

/// The fork of a background mount, done first thing while the process has one thread: the child goes
/// on to run the command (which mounts and reports), the caller waits for the report and exits.
enum BackgroundLaunch {
    /// Returns the parsed command for this process to run (nil when `ScorpioCommand` must parse the
    /// arguments itself: help, a completion script, an error), or ends the process once the
    /// background server has reported.
    static func forkIfRequested(_ arguments: [String]) -> ParsableCommand? {
        guard let parsed = ParsingRoot.command(from: arguments) else { return nil }
        guard let command = parsed as? any BackgroundServing, command.forksAtLaunch else { return parsed }
        let started = ContinuousClock.now
        do {
            switch try BackgroundServer.fork() {
            case .server:
                return parsed
            case .caller(let pid, let ready):
                if let line = command.announcement(ready: ready, pid: pid, elapsed: ContinuousClock.now - started) { print(line) }
                exit(ScorpioExitStatus.success.rawValue)
            }
        } catch {
            StandardError.write("scorpio: \(error.description)")
            exit(error.exitStatus.rawValue)
        }
    }
}
