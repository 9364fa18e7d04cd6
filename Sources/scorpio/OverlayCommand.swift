import ArgumentParser
import ScorpioKit
import Glibc
import SystemPackage

/// `scorpio overlay -o lowerdir=A:B,upperdir=U,workdir=W MOUNTPOINT`: fuse-overlayfs's command line.
struct OverlayCommand: BackgroundServing {
    static let configuration = CommandConfiguration(
        commandName: "overlay",
        abstract: "Mount a union of plain directories, with fuse-overlayfs's command line.",
        discussion: """
            The lowest lowerdir is served read-only through Dicfuse; a second lowerdir (the one above it) \
            is a read-only layer in overlayfs's format; upperdir takes the writes, in the same format, so \
            kernel overlayfs and fuse-overlayfs can mount it too. Like fuse-overlayfs it serves from the \
            background once mounted; -f stays in the foreground. Installed as `scorpio-overlay` (a link \
            to scorpio) it is also `mount -t fuse.scorpio-overlay` and a container engine's \
            mount_program.

            Examples:
              scorpio overlay -o lowerdir=/srv/cl:/srv/base,upperdir=/srv/up,workdir=/srv/work /mnt/u
              mount -t fuse.scorpio-overlay none /mnt/u -o lowerdir=/srv/base,upperdir=/srv/up,workdir=/srv/work
            """
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions

    @Option(name: .short, help: ArgumentHelp("Mount options: lowerdir=A[:B],upperdir=U,workdir=W[,…].", valueName: "options"))
    var options: [String] = []

    @OptionGroup var union: UnionDriverOption

    @Argument(help: ArgumentHelp("Where to mount the union.", valueName: "mountpoint"))
    var mountpoint: String

    @Flag(name: [.short, .customLong("foreground")], help: "Serve from this process instead of the background.")
    var foreground = false

    func run() async throws {
        let config = try global.loadConfigAndStartLogging().config
        let parsed = try OverlayOptions(options.joined(separator: ","))
        try MountFailure.mapping { try serve(parsed, config: config) }
    }

    var servesInBackground: Bool { !foreground }

    /// Silent, like other mount helpers.
    func announcement(ready: String, pid: pid_t, elapsed: Duration) -> String? { nil }

    private func serve(_ parsed: OverlayOptions, config: ScorpioConfig) throws {
        let store: ContentStore
        let source: DirectoryTreeSource
        do {
            store = try ContentStore(root: config.storePath)
            source = try DirectoryTreeSource(path: parsed.base)
        } catch {
            throw BaseSourceError.source(error)
        }
        let layers = UnionLayers(upper: parsed.upper, work: parsed.work, changeList: parsed.middle)
        let union = try AntaresFuse(
            mountpoint: FilePath(mountpoint), dicfuse: Dicfuse(source: source, store: store), layers: layers,
            driver: JobManagement.driver(for: union.driver ?? config.unionDriver))
        SignalUnmounter.onSignal { try? union.unmount(lazy: true) }
        SignalUnmounter.install()
        try union.mount()
        BackgroundServer.reportReady("\(mountpoint)")
        while MountTable.mount(at: FilePath(mountpoint)) != nil { usleep(200_000) }
        try? union.unmount(lazy: true)
        SignalUnmounter.exitIfSignalled()
    }
}

/// fuse-overlayfs's `-o` options, as far as Scorpio's union takes them.
struct OverlayOptions {
    var base: FilePath
    var middle: FilePath?
    var upper: FilePath
    var work: FilePath

    init(_ text: String) throws(ValidationError) {
        var values: [String: String] = [:]
        for option in text.split(separator: ",") where !option.isEmpty {
            let parts = option.split(separator: "=", maxSplits: 1)
            values[String(parts[0])] = parts.count == 2 ? String(parts[1]) : ""
        }
        guard let lower = values["lowerdir"], !lower.isEmpty else { throw ValidationError("-o lowerdir=… is required") }
        guard let upper = values["upperdir"], !upper.isEmpty else { throw ValidationError("-o upperdir=… is required") }
        guard let work = values["workdir"], !work.isEmpty else { throw ValidationError("-o workdir=… is required") }
        let lowers = lower.split(separator: ":").map { FilePath(String($0)) }
        guard (1...2).contains(lowers.count) else {
            throw ValidationError("lowerdir=\(lower): Scorpio's union takes one or two lower directories, not \(lowers.count)")
        }
        base = lowers.last!
        middle = lowers.count == 2 ? lowers[0] : nil
        self.upper = FilePath(upper)
        self.work = FilePath(work)
    }
}

/// The arguments a mount helper passes (`SOURCE MOUNTPOINT -o OPTIONS [-f]`), as `scorpio overlay` takes them.
enum OverlayInvocation {
    static func arguments(fromMountHelper arguments: [String]) -> [String] {
        var positional: [String] = []
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "-o", index + 1 < arguments.count {
                result += ["-o", arguments[index + 1]]
                index += 2
                continue
            }
            if argument.hasPrefix("-") { result.append(argument) } else { positional.append(argument) }
            index += 1
        }
        // The source names nothing for an overlay (fuse-overlayfs ignores it too); the last positional
        // argument is the mountpoint.
        return result + (positional.last.map { [$0] } ?? [])
    }
}
