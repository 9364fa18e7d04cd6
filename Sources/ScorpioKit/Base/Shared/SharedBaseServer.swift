import CSyscalls
import Dicfuse
import Dispatch
import Foundation
import FuseKit
import Glibc
import SystemPackage

/// The server of one shared base (`scorpio base host DIR`): mounts the revision its spec names, says
/// so, and serves until it has had no lease for its linger time (or is asked to stop while unleased),
/// or until its mount is taken away; then it unmounts, removes its directory and ends.
public enum SharedBaseServer {
    /// Serves the base in `directory`; `report` is the descriptor its starter waits on ("ready", or why
    /// not). Returns when the base has ended.
    public static func serve(directory path: FilePath, report: Int32?) throws {
        let directory = SharedBaseDirectory(root: path.removingLastComponent(), key: path.lastComponent?.string ?? "")
        let reporter = StartReport(descriptor: report)
        let serverLock: FileLock
        do { serverLock = try FileLock(directory.serverLock, exclusive: true, wait: false) } catch {
            reporter.fail("another server serves \(directory.path)")
            return
        }
        // Its dictionary keeps what it lists. Its workers (one per request in flight, up to 16) would
        // each get a malloc heap of their own (glibc makes up to eight per core).
        LibGit2.stopCachingObjects()
        _ = mallopt(scorpio_m_arena_max, 2)
        let mount: FuseMount
        let spec: SharedBaseSpec
        do {
            spec = try SharedBaseSpec.read(from: directory.spec)
            let source = try spec.selection.openSource(config: spec.sourceConfig)
            let store = try ContentStore(root: FilePath(spec.storePath))
            var options = spec.dicfuseOptions
            options.sourceErrorHandler = { error in log("the source failed, the kernel was told EIO: \(error)") }
            let dicfuse = Dicfuse(source: source, store: store, options: options)
            mount = try dicfuse.mount(at: directory.mountpoint, owner: spec.owner)
            try SharedBaseInfo(
                pid: getpid(), identity: source.identity, revision: source.revision.summary, mountpoint: directory.mountpoint.string,
                owner: spec.owner, startedAtEpochSeconds: Int(Date().timeIntervalSince1970), lingerSeconds: spec.lingerSeconds
            ).write(to: directory.info)
        } catch {
            reporter.fail("\(error)")
            throw error
        }
        log("serving \(spec.identity) at \(directory.mountpoint)")
        reporter.ready()
        serveUntilDone(directory, mount: mount, linger: spec.lingerSeconds)
        withExtendedLifetime(serverLock) {}
    }

    /// Watches the leases (woken at once when one is released, and once a second to notice holders
    /// that died) and the stop signals (SIGTERM, SIGINT, SIGHUP): with no lease for `linger` seconds, or
    /// none when asked to stop, the base ends.
    private static func serveUntilDone(_ directory: SharedBaseDirectory, mount: FuseMount, linger: Int) {
        let events = ServerEvents(leases: directory.leases)
        var idleSince: ContinuousClock.Instant?
        var stopRequested = false
        while mount.isMounted {
            if events.wait(milliseconds: idleSince == nil ? 1000 : min(1000, max(10, linger * 1000))) {
                stopRequested = true
                log("asked to stop: ending once no job holds a lease")
            }
            if !directory.liveLeases().isEmpty {
                idleSince = nil
                continue
            }
            let now = ContinuousClock.now
            idleSince = idleSince ?? now
            guard stopRequested || now - idleSince! >= .seconds(linger) else { continue }
            // Leases are taken under the creation lock: holding it, a count of none stays none.
            // The line is written before the directory (and the server lock in it) goes: whoever waits
            // for the server to end finds it in the log.
            let ended: Bool
            do {
                ended = try directory.withCreationLock(creatingRoot: false) { () -> Bool in
                    guard directory.liveLeases().isEmpty else { return false }
                    try? mount.unmount(lazy: true)
                    log("no job held a lease\(stopRequested ? "" : " for \(linger) s"): unmounted")
                    directory.removeRemains()
                    return true
                }
            } catch {
                // With the base root removed there is nobody left to share the base with.
                guard FileManager.default.fileExists(atPath: directory.root.string) else {
                    try? mount.unmount(lazy: true)
                    log("the base root \(directory.root) is gone: unmounted")
                    return
                }
                ended = false
            }
            if ended { return }
            stopRequested = false
        }
        log("the mount went away: ending")
        // Not under a removed root: making it again would leave its lock file behind.
        try? directory.withCreationLock(creatingRoot: false) { directory.removeRemains() }
    }

    private static func log(_ message: String) {
        let line = "\(ISO8601DateFormatter().string(from: Date())) scorpio base \(getpid()): \(message)\n"
        _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    }
}

/// The starter's end of the report pipe: one message, then closed.
private final class StartReport {
    private var descriptor: Int32?

    init(descriptor: Int32?) { self.descriptor = descriptor }

    func ready() { send("ready\n") }
    func fail(_ reason: String) { send(reason + "\n") }

    private func send(_ text: String) {
        guard let fd = descriptor else { return }
        descriptor = nil
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }
}

/// What wakes a base's server: a lease file removed (inotify on `leases/`) or a stop signal (SIGTERM,
/// SIGINT, SIGHUP, taken by dispatch sources on any thread and passed on through a pipe).
private final class ServerEvents {
    private let stopPipe: [Int32]
    private let leaseChanges: Int32
    private let sources: [any DispatchSourceSignal]

    init(leases: FilePath) {
        var ends: [Int32] = [-1, -1]
        _ = pipe2(&ends, O_CLOEXEC | O_NONBLOCK)
        stopPipe = ends
        let writeEnd = ends[1]
        sources = [SIGTERM, SIGINT, SIGHUP].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { _ = write(writeEnd, "s", 1) }
            source.resume()
            return source
        }
        leaseChanges = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        if leaseChanges >= 0 { _ = inotify_add_watch(leaseChanges, leases.string, UInt32(IN_DELETE | IN_MOVED_FROM)) }
    }

    deinit {
        sources.forEach { $0.cancel() }
        stopPipe.forEach { close($0) }
        close(leaseChanges)
    }

    /// Waits up to `milliseconds` for a lease to go or a stop signal; returns whether a stop signal came.
    func wait(milliseconds: Int) -> Bool {
        var descriptors = [pollfd(fd: stopPipe[0], events: Int16(POLLIN), revents: 0), pollfd(fd: leaseChanges, events: Int16(POLLIN), revents: 0)]
        guard poll(&descriptors, 2, Int32(milliseconds)) > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        if descriptors[1].revents != 0 { while read(leaseChanges, &buffer, buffer.count) > 0 {} }
        guard descriptors[0].revents != 0 else { return false }
        while read(stopPipe[0], &buffer, buffer.count) > 0 {}
        return true
    }
}
