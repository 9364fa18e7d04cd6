import ServiceLifecycle

/// Runs beside the HTTP server for the daemon's life; on graceful shutdown (SIGTERM, SIGINT) it has
/// the service refuse new mounts, unmount every job it serves and record that, before the server stops.
struct MountShutdownService: Service {
    let service: AntaresService

    func run() async throws {
        try? await gracefulShutdown()
        await service.shutDown()
    }
}
