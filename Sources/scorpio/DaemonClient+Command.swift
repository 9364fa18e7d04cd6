import AntaresDaemon
import ScorpioKit

extension DaemonClient {
    /// The client of the daemon a command's `--daemon` names, if it names one.
    static func named(_ url: String?, config: ScorpioConfig) throws(DaemonClientError) -> DaemonClient? {
        guard let url else { return nil }
        return DaemonClient(endpoint: try DaemonClient.endpoint(parsing: url), token: config.server.apiToken)
    }
}

extension MountStatus {
    /// The line `scorpio list` prints for a job.
    var listLine: String {
        "\(jobID ?? mountID)\t\(state)\t\(mountpoint)\t\(driver)\t\(base)"
    }
}
