import CFuse
import Glibc
import Synchronization
import SystemPackage

/// A filesystem mounted through libfuse and served by a multi-threaded loop until it is unmounted.
///
/// ```swift
/// let mount = try FuseMount(MyFilesystem(), at: "/mnt/x", options: MountOptions(fsName: "x", subtype: "myfs"))
/// // … the kernel now sends requests for /mnt/x to MyFilesystem …
/// try mount.unmount()
/// ```
/// The initializer returns once the kernel's INIT is answered, so the mount is ready. Dropping the last
/// reference unmounts (lazily if busy); ``SignalUnmounter`` unmounts every live mount on SIGINT/SIGTERM.
///
/// A process that mounts and then forks the one that serves (as libfuse's `fuse_daemonize` lets a tool
/// do) mounts with `servingNow: false` and calls ``serve()`` in the child: until then no thread runs
/// for the mount, and the kernel holds the mount's requests, the first user's included.
public final class FuseMount: Sendable {
    public let mountpoint: FilePath
    /// Invalidates the kernel's caches of this mount.
    public let notifier: KernelCacheNotifier
    /// The FUSE connection number (`/sys/fs/fuse/connections/N`).
    public let connection: UInt32?
    /// Requests answered so far, by kind.
    public let requests: RequestCounters

    private let loop = LoopState()
    private let ring = Mutex<RequestRing?>(nil)
    private let handle: SessionHandle
    private let context: SessionContext

    /// Mounts `filesystem` at `mountpoint`; `servingNow` false: leaves serving it to ``serve()``.
    public init(
        _ filesystem: some FuseFilesystem, at mountpoint: FilePath, options: MountOptions, servingNow: Bool = true
    ) throws(FuseMountError) {
        try Self.checkMountpoint(mountpoint)
        let path = MountTable.canonical(mountpoint)
        self.mountpoint = path

        let context = SessionContext(filesystem: filesystem, options: options)
        self.context = context
        requests = context.requests
        // Released when the session is destroyed: libfuse's callbacks reach the context until then.
        let userdata = Unmanaged.passRetained(context)
        var ops = makeOperations(readdirPlus: options.readdirPlus != .off)
        let created = withFuseArguments(options.arguments) { args in
            fuse_session_new(&args, &ops, MemoryLayout<fuse_lowlevel_ops>.size, userdata.toOpaque())
        }
        guard let session = created else {
            userdata.release()
            throw .sessionCreationFailed(options: options.arguments)
        }
        errno = 0
        guard path.withPlatformString({ fuse_session_mount(session, $0) }) == 0 else {
            let failure = Errno(rawValue: errno == 0 ? EIO : errno)
            fuse_session_destroy(session)
            userdata.release()
            throw .mountFailed(path, failure)
        }
        connection = MountTable.mount(at: path).map(\.deviceMinor)
        handle = SessionHandle(session)
        notifier = KernelCacheNotifier(handle: handle)
        // Registered before it serves, so a signal from the first request on unmounts it.
        MountRegistry.shared.add(self)
        if servingNow { try serve() }
    }

    /// Starts serving the mount: the request ring (where the mount asked for one and the host offers
    /// it) and the loop's threads; returns once the kernel's INIT is answered. On failure the mount is
    /// unmounted. A second call changes nothing.
    public func serve() throws(FuseMountError) {
        guard loop.beginServing() else { return }
        let options = context.options
        let ring = options.requestRing ? RequestRing(session: handle.session, threads: options.ringThreads) : nil
        self.ring.withLock { $0 = ring }
        let (handle, context, loop) = (handle, context, loop)
        let loopOptions = (max: options.maxThreads, idle: options.idleThreads, cloneFD: options.cloneFD)
        let threadError = startDetachedThread {
            let session = handle.session
            let config = fuse_loop_cfg_create()
            fuse_loop_cfg_set_max_threads(config, loopOptions.max)
            fuse_loop_cfg_set_idle_threads(config, loopOptions.idle)
            fuse_loop_cfg_set_clone_fd(config, loopOptions.cloneFD ? 1 : 0)
            let status = fuse_session_loop_mt(session, config)
            fuse_loop_cfg_destroy(config)
            Self.close(handle, ring: ring, context: context)
            loop.end(status: status)
        }
        if let threadError {
            MountRegistry.shared.remove(self)
            Self.close(handle, ring: ring, context: context)
            loop.end(status: -1)
            throw .mountFailed(mountpoint, threadError)
        }
        guard context.waitForInit(orEnd: { loop.hasEnded }) else {
            MountRegistry.shared.remove(self)
            throw .initializationFailed(mountpoint)
        }
    }

    /// In the process that mounted without serving and then forked the one that calls ``serve()``: lets
    /// go of the mount, which this process neither serves nor unmounts from now on. Its descriptor of
    /// the connection is closed, so the connection ends with the serving process's (users then see
    /// errors rather than wait forever).
    public func relinquish() {
        guard let served = loop.beginUnmount() else { return }
        guard !served, handle.take() else { return loop.cancelUnmount(served: served) }
        Glibc.close(fuse_session_fd(handle.session))
        loop.end(status: 0)
        MountRegistry.shared.remove(self)
    }

    /// Unmounts (where still mounted) and destroys the session, once: after its loop ended, or in place
    /// of a loop that never ran.
    private static func close(_ handle: SessionHandle, ring: RequestRing?, context: SessionContext) {
        guard handle.take() else { return }
        fuse_session_unmount(handle.session)
        ring?.detach()
        fuse_session_destroy(handle.session)
        Unmanaged.passUnretained(context).release()
    }

    deinit {
        try? unmount(lazy: true)
    }

    /// Whether the kernel sends this mount's requests over io_uring (``MountOptions/requestRing``, where the
    /// host offers it) rather than through /dev/fuse.
    public var servesOverRing: Bool { ring.withLock { $0?.isActive ?? false } }

    /// Requests the kernel sent over io_uring so far (none on /dev/fuse alone).
    public var requestsOverRing: UInt64 { ring.withLock { $0?.requestsAnswered ?? 0 } }

    /// Whether the kernel offers FUSE-over-io_uring to new mounts: Linux 6.14+ with the fuse module's
    /// `enable_uring` on (`scripts/setup` turns it on; it is off by default).
    public static var kernelOffersRequestRing: Bool { RequestRing.kernelOffers }

    /// The kernel's switch for FUSE-over-io_uring (present from Linux 6.14).
    public static let requestRingSwitch = FilePath("/sys/module/fuse/parameters/enable_uring")

    /// Whether the mount is still there: served, or waiting for ``serve()``.
    public var isMounted: Bool { !loop.hasEnded }

    /// Unmounts and waits until the serving loop has ended (a mount never served is closed at once).
    ///
    /// A mount in use (a process has its working directory or a file open there) fails with
    /// ``FuseMountError/busy(_:)`` unless `lazy` is true; then it is detached at once, its connection is
    /// aborted where the host allows it (root), and users still inside see errors.
    public func unmount(lazy: Bool = false) throws(FuseMountError) {
        if let served = loop.beginUnmount() {
            do {
                try MountTable.unmount(mountpoint, lazy: false)
            } catch .busy where lazy {
                try detach()
            } catch .notMounted {
                // Someone unmounted it from outside; the loop ends (or has ended) on its own.
            } catch {
                loop.cancelUnmount(served: served)
                throw error
            }
            if !served {
                Self.close(handle, ring: nil, context: context)
                loop.end(status: 0)
            }
        }
        waitUntilUnmounted()
        MountRegistry.shared.remove(self)
    }

    /// Blocks until the serving loop ends (after an unmount, from here or from outside).
    public func waitUntilUnmounted() {
        loop.waitUntilEnded()
    }

    private func detach() throws(FuseMountError) {
        try MountTable.unmount(mountpoint, lazy: true)
        if let connection, MountTable.abortConnection(connection) { return }
        // Without an abort the loop serves the remaining users and ends with the last of them.
    }

    /// Refuses a mountpoint that is missing, not a directory, or a dead FUSE mount.
    public static func checkMountpoint(_ path: FilePath) throws(FuseMountError) {
        var st = stat()
        if path.withPlatformString({ stat($0, &st) }) != 0 {
            if errno == ENOTCONN { throw .deadMount(path) }
            throw .mountpointMissing(path)
        }
        guard st.st_mode & S_IFMT == S_IFDIR else { throw .notADirectory(path) }
    }
}

/// Builds libfuse's `struct fuse_args` from Swift strings for the duration of `body`.
private func withFuseArguments<T>(_ arguments: [String], _ body: (inout fuse_args) -> T) -> T {
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
    argv.append(nil)
    defer { argv.forEach { free($0) } }
    return argv.withUnsafeMutableBufferPointer { buffer in
        var args = fuse_args(argc: Int32(arguments.count), argv: buffer.baseAddress, allocated: 0)
        defer { fuse_opt_free_args(&args) }
        return body(&args)
    }
}

/// The serving loop's lifecycle, shared by the mount handle and the serving thread.
private final class LoopState: Sendable {
    private enum Phase: Equatable { case mounted, serving, unmounting(served: Bool), ended }
    private let phase = Mutex(Phase.mounted)
    private let ended = Semaphore()
    private let status = Mutex<Int32>(0)

    var hasEnded: Bool { phase.withLock { $0 == .ended } }

    /// Claims the start of serving; false when it was started already or the mount is gone.
    func beginServing() -> Bool {
        phase.withLock { phase in
            guard phase == .mounted else { return false }
            phase = .serving
            return true
        }
    }

    /// Claims the unmount and tells whether a loop serves the mount; nil when another caller has the
    /// unmount or the loop is gone.
    func beginUnmount() -> Bool? {
        phase.withLock { phase in
            let served: Bool
            switch phase {
            case .mounted: served = false
            case .serving: served = true
            case .unmounting, .ended: return nil
            }
            phase = .unmounting(served: served)
            return served
        }
    }

    func cancelUnmount(served: Bool) {
        phase.withLock { if $0 == .unmounting(served: served) { $0 = served ? .serving : .mounted } }
    }

    func end(status: Int32) {
        self.status.withLock { $0 = status }
        phase.withLock { $0 = .ended }
        ended.signal()
    }

    func waitUntilEnded() {
        ended.wait()
        ended.signal()
    }
}
