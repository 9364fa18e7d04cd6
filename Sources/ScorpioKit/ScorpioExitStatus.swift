/// The exit statuses of the `scorpio` tool, defined once for every command.
///
/// They follow the upstream tool (0 success, 1 other, 2 config, 3 mount, 4 HTTP bind) and, for
/// `scorpio run`, the `env` / `docker run` convention (125 Scorpio failed before the command ran,
/// 126 command not executable, 127 command not found; otherwise the command's own status).
public struct ScorpioExitStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    public static let success = ScorpioExitStatus(rawValue: 0)
    /// Any failure without a more specific status.
    public static let failure = ScorpioExitStatus(rawValue: 1)
    /// The configuration could not be loaded or is invalid.
    public static let configError = ScorpioExitStatus(rawValue: 2)
    /// The command line could not be parsed (the same status as a config error, like upstream's clap).
    public static let usageError = ScorpioExitStatus(rawValue: 2)
    /// A mount or unmount failed.
    public static let mountFailure = ScorpioExitStatus(rawValue: 3)
    /// The HTTP daemon could not bind its address.
    public static let httpBindFailure = ScorpioExitStatus(rawValue: 4)
    /// `scorpio run`: Scorpio failed before the job's command started.
    public static let runSetupFailure = ScorpioExitStatus(rawValue: 125)
    /// `scorpio run`: the job's command exists but cannot be executed.
    public static let commandNotExecutable = ScorpioExitStatus(rawValue: 126)
    /// `scorpio run`: the job's command was not found.
    public static let commandNotFound = ScorpioExitStatus(rawValue: 127)

    public var description: String { String(rawValue) }
}

/// An error that knows which exit status `scorpio` should end with and how to say what went wrong.
///
/// The tool prints `scorpio: <description>` on stderr and exits with `exitStatus`.
public protocol ScorpioFailure: Error, CustomStringConvertible {
    var exitStatus: ScorpioExitStatus { get }
}
