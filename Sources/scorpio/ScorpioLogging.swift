import Logging
import ScorpioKit

/// Logging to stderr through swift-log, started once the configuration says at which level.
enum ScorpioLogging {
    static func start(level: LogLevel) {
        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, logLevel: level.loggerLevel) }
    }
}

/// `scorpio: <level>: <message> key=value …`, one line per entry on stderr.
struct StderrLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    init(label: String, logLevel: Logger.Level) {
        self.label = label
        self.logLevel = logLevel
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let fields = merged.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        StandardError.write("scorpio: \(event.level): \(event.message)\(fields)")
    }
}
