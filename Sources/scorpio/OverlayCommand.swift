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
            The lowerdirs (topmost first, separated by ':') are read-only layers in overlayfs's format; \
            upperdir takes the writes, in the same format, so kernel overlayfs and fuse-overlayfs can mount \
            it too. Without upperdir and workdir the lowers are merged read-only, as overlayfs and \
            fuse-overlayfs do (one lower is enough). With the fuse driver it serves from the background \
            once mounted, like fuse-overlayfs, \
            until the union is unmounted (a plain umount will do); with the kernel driver the kernel \
            serves it and nothing stays running. -f stays in the foreground. Installed as `scorpio-overlay` (a link \
            to scorpio) it is also `mount -t fuse.scorpio-overlay` and a container engine's \
            mount_program.

            Besides the layers, -o takes the generic mount options ro/rw, suid/nosuid, dev/nodev, \
            exec/noexec, atime/noatime/relatime/strictatime, diratime/nodiratime, sync/async, dirsync, \
            allow_other, default_permissions and volatile (no fsync or unmount reaches the upper's disk: \
            for scratch uppers; a crash may leave one incomplete); any other option is refused by name. \
            Served by root, the union lets every user in (allow_other), with the permissions its modes say. \
            Layers laid out as overlayfs refuses them (a workdir inside the upperdir, a lowerdir inside or \
            equal to another layer) are refused in overlayfs's words.

            Examples:
              scorpio overlay -o lowerdir=/srv/cl:/srv/base,upperdir=/srv/up,workdir=/srv/work /mnt/u
              scorpio overlay -o lowerdir=/srv/layer2:/srv/layer1 /mnt/image
              mount -t fuse.scorpio-overlay none /mnt/u -o lowerdir=/srv/base,upperdir=/srv/up,workdir=/srv/work
            """
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions

    @Option(name: .short, help: ArgumentHelp("Mount options: lowerdir=A[:B][,upperdir=U,workdir=W][,ro,nodev,…].", valueName: "options"))
    var options: [String] = []

    @Option(help: .unionDriver)
    var driver: UnionDriver?

    @Argument(help: ArgumentHelp("Where to mount the union.", valueName: "mountpoint"))
    var mountpoint: String

    @Flag(name: [.short, .customLong("foreground")], help: "Serve from this process instead of the background.")
    var foreground = false

    var forksAtLaunch: Bool { !foreground }

    /// Bad `-o` options are refused while parsing: before any fork, with this command's usage.
    func validate() throws {
        _ = try OverlayOptions(options.joined(separator: ","))
    }

    func serveHere() throws {
        let config = try global.loadConfigAndStartLogging().config
        let parsed = try OverlayOptions(options.joined(separator: ","))
        try MountFailure.mapping { try serve(parsed, config: config) }
    }

    /// Silent, like other mount helpers.
    func announcement(ready: String, pid: pid_t, elapsed: Duration) -> String? { nil }

    private func serve(_ parsed: OverlayOptions, config: ScorpioConfig) throws {
        let kind = DriverChoice(config.unionDriver, requested: driver, config: config).kind
        let union: any OverlayMount
        if let upper = parsed.upper, let work = parsed.work {
            let layers = UnionLayers(upper: upper, work: work, lowers: parsed.lowers)
            union = try AntaresFuse(mountpoint: FilePath(mountpoint), layers: layers, driver: kind, options: parsed.mount)
        } else {
            union = try ReadOnlyUnion(
                mountpoint: FilePath(mountpoint), lowers: parsed.lowers, driver: kind, options: parsed.mount,
                spare: config.antares.upperRoot.appending(".read-only"))
        }
        SignalUnmounter.onSignal { try? union.unmount(lazy: true) }
        SignalUnmounter.install()
        try union.mount()
        BackgroundServer.reportReady("\(mountpoint)")
        // The kernel serves its overlay alone: like mount(8), nothing stays running unless asked to (-f).
        if kind == .kernel && !foreground { return }
        // Served until the union is unmounted, here or by a plain `umount`; then everything it held goes.
        MountTable.waitUntilUnmounted(FilePath(mountpoint))
        try? union.unmount(lazy: true)
        SignalUnmounter.exitIfSignalled()
    }
}

/// A union `scorpio overlay` serves: over an upper, or of its lowers alone.
private protocol OverlayMount: Sendable {
    func mount() throws(AntaresError)
    func unmount(lazy: Bool) throws(AntaresError)
}
extension AntaresFuse: OverlayMount {}
extension ReadOnlyUnion: OverlayMount {}

/// fuse-overlayfs's `-o` options, as far as Scorpio's union takes them: the layers, and the generic
/// mount options (`ro`, `nosuid`, `dev`, `noexec`, `noatime`, `allow_other`, …). Any other option is
/// refused, by name.
struct OverlayOptions {
    /// Topmost first, as overlayfs's lowerdir lists them.
    var lowers: [FilePath]
    /// Both or neither: without them the lowers are merged read-only, as overlayfs does.
    var upper: FilePath?
    var work: FilePath?
    var mount = UnionMountOptions()

    static let layerKeys: Set = ["lowerdir", "upperdir", "workdir"]

    init(_ text: String) throws(ValidationError) {
        var values: [String: String] = [:]
        var flags: [String] = []
        for option in text.split(separator: ",") where !option.isEmpty {
            let parts = option.split(separator: "=", maxSplits: 1)
            let key = String(parts[0])
            if Self.layerKeys.contains(key) {
                values[key] = parts.count == 2 ? String(parts[1]) : ""
            } else {
                flags.append(String(option))
            }
        }
        let unsupported = mount.apply(flags)
        if !unsupported.isEmpty {
            throw ValidationError(
                "-o \(unsupported.joined(separator: ",")): not supported by Scorpio's union (it takes lowerdir, upperdir, "
                    + "workdir, ro/rw, suid/nosuid, dev/nodev, exec/noexec, atime/noatime/relatime/strictatime, "
                    + "diratime/nodiratime, sync/async, dirsync, allow_other, default_permissions, volatile)")
        }
        guard let lower = values["lowerdir"], !lower.isEmpty else { throw ValidationError("-o lowerdir=… is required") }
        lowers = lower.split(separator: ":", omittingEmptySubsequences: false).map { FilePath(String($0)) }
        guard !lowers.contains(where: \.isEmpty) else { throw ValidationError("lowerdir=\(lower): an empty lower directory") }
        // Without an upperdir, overlayfs ignores a workdir and mounts the lowers read-only.
        guard let upper = values["upperdir"] else {
            mount.readOnly = true
            return
        }
        guard !upper.isEmpty else { throw ValidationError("-o upperdir=: an empty upper directory") }
        guard let work = values["workdir"], !work.isEmpty else { throw ValidationError("-o upperdir=\(upper) needs workdir=…") }
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
