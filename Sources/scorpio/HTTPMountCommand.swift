import AntaresDaemon
import ArgumentParser
import Foundation
import ScorpioKit

/// `scorpio http-mount PATH`: upstream's command for a mount made by a running daemon; the same as
/// `scorpio mount [JOB] --daemon URL --path PATH`.
struct HTTPMountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http-mount",
        abstract: "Ask a running `scorpio serve` for a mount of a monorepo directory (upstream's http-mount).",
        discussion: """
            The endpoint defaults to http_bind when it is a TCP address. Prints the mount's JSON \
            ({"mount_id","mountpoint"}).

            Examples:
              scorpio http-mount /services/api --job-id build-42 --cl 456
              scorpio http-mount / --endpoint http://127.0.0.1:2725/antares
            """
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions

    @Argument(help: ArgumentHelp("The monorepo directory to mount, / for all of it.", valueName: "path"))
    var path: String

    @Option(help: ArgumentHelp("The job id (idempotency key).", valueName: "id"))
    var jobID: String?

    @Option(help: .changeList)
    var cl: String?

    @Option(help: ArgumentHelp("The daemon (default: http://{http_bind}).", valueName: "url"))
    var endpoint: String?

    func run() async throws {
        let config = try global.loadConfigAndStartLogging().config
        let url: URL
        if let endpoint {
            url = try DaemonClient.endpoint(parsing: endpoint)
        } else if case .tcp = config.server.httpBind {
            url = try DaemonClient.endpoint(parsing: "http://\(config.server.httpBind)")
        } else {
            throw ValidationError("http_bind is a unix socket; give --endpoint http://HOST:PORT")
        }
        let client = DaemonClient(endpoint: url, token: config.server.apiToken)
        let created = try await client.mount(MountRequest(jobID: jobID, path: path, cl: cl))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(created), as: UTF8.self))
    }
}
