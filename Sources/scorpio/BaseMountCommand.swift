import ArgumentParser
import Glibc
import ScorpioKit
import SystemPackage

/// `scorpio base mount DIR`: a revision served read-only and lazily at DIR.
struct BaseMountCommand: BackgroundServing {
    static let configuration = CommandConfiguration(
        commandName: "mount",
        abstract: "Serve a revision read-only at a directory, lazily, from a background process.",
        discussion: """
            Nothing is checked out: a directory is listed from the source when it is first looked at, \
            a file fetched into the shared content store (store_path) when it is first read. The \
            kernel caches everything for as long as the mount lives, so a warm tree reads like a \
            local disk. Stop it with `scorpio base unmount DIR` (or `umount DIR`).

            Examples:
              scorpio base mount /mnt/head                       this repository at HEAD
              scorpio base mount /mnt/v1 --repo /srv/mono.git --rev v1.0 --path services/api
              scorpio base mount /mnt/tree --dir /srv/export     a plain directory, read-only
              scorpio base mount /mnt/mega --source mega         the Mega server at base_url
            """
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions
    @OptionGroup(title: "Base") var base: BaseSourceOptions

    @Argument(help: ArgumentHelp("Directory to mount on (must exist).", valueName: "dir"))
    var mountpoint: String

    @Flag(help: "Serve from this process until interrupted instead of in the background.")
    var foreground = false

    var forksAtLaunch: Bool { !foreground }

    func serveHere() throws {
        let config = try global.loadConfigAndStartLogging().config
        try MountFailure.mapping { try serve(config: config) }
    }

    func announcement(ready: String, pid: pid_t, elapsed: Duration) -> String? {
        "scorpio: serving \(mountpoint) from process \(pid), ready in \(elapsed.milliseconds) ms (\(ready)); "
            + "stop with `scorpio base unmount \(mountpoint)`"
    }

    private func serve(config: ScorpioConfig) throws {
        let started = ContinuousClock.now
        let source = try base.selection(config: config).openSource(config: config)
        let store: ContentStore
        do { store = try ContentStore(root: config.storePath) } catch { throw BaseSourceError.source(error) }
        var options = DicfuseOptions()
        options.prefetchDepth = config.dicfuse.loadDirectoryDepth
        options.prefetchThreads = config.dicfuse.importConcurrency
        let dicfuse = Dicfuse(source: source, store: store, options: options)
        SignalUnmounter.install()
        let mount = try dicfuse.mount(at: FilePath(mountpoint))
        if !BackgroundServer.reportReady("\(source.revision.summary) of \(source.identity)") {
            let elapsed = ContinuousClock.now - started
            print("scorpio: serving \(source.revision.summary) of \(source.identity) at \(mount.mountpoint), "
                  + "mounted in \(elapsed.milliseconds) ms; Ctrl-C to unmount")
        }
        mount.waitUntilUnmounted()
        SignalUnmounter.exitIfSignalled()
    }

}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
