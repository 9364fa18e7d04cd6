import AntaresDaemon
import ArgumentParser
import ScorpioKit

/// `--daemon URL`: do the command through a running `scorpio serve` (upstream's `http-mount`)
/// instead of in this process.
struct DaemonOptions: ParsableArguments {
    @Option(name: .customLong("daemon"),
            help: ArgumentHelp("Go through the daemon at this URL (http://127.0.0.1:2726); its token is api_token or SCORPIO_DAEMON_TOKEN.",
                               valueName: "url"))
    var url: String?

    /// The client of the daemon named, if one is.
    func client(config: ScorpioConfig) throws(DaemonClientError) -> DaemonClient? {
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
