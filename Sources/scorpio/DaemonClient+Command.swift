import AntaresDaemon
import ScorpioKit

extension DaemonClient {
    /// The client of the daemon a command's `--daemon` names, if it names one.
    static func named(_ url: String?, config: ScorpioConfig) throws(DaemonClientError) -> DaemonClient? {
        guard let url else { return nil }
        return DaemonClient(endpoint: try DaemonClient.endpoint(parsing: url), token: config.server.apiToken)
    }
}
