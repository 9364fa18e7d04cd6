import CFuse
import Synchronization

/// What libfuse's callbacks reach through the session's userdata: the filesystem and the choices made at
/// mount time. It lives until the session is destroyed.
final class SessionContext: Sendable {
    let filesystem: any FuseFilesystem
    let options: MountOptions
    let negativeTimeout: Double
    let requests = RequestCounters()
    private let initialized = Mutex(false)
    private let initSignal = Semaphore()

    init(filesystem: any FuseFilesystem, options: MountOptions) {
        self.filesystem = filesystem
        self.options = options
        self.negativeTimeout = options.negativeTimeout
    }

    /// INIT: applies the mount options, lets the filesystem adjust, and wakes the mounting thread.
    func negotiate(_ conn: inout fuse_conn_info) {
        var settings = ConnectionSettings(conn)
        settings.apply(options)
        filesystem.initialize(&settings)
        settings.store(into: &conn)
        initialized.withLock { $0 = true }
        initSignal.signal()
    }

    /// Waits until the kernel's INIT was answered, or the session ended first.
    func waitForInit(orEnd ended: () -> Bool) -> Bool {
        while !initialized.withLock({ $0 }) {
            if ended() { return false }
            initSignal.wait(timeoutMilliseconds: 10)
        }
        return true
    }

    var isInitialized: Bool { initialized.withLock { $0 } }
}
