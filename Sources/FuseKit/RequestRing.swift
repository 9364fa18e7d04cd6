import CFuseRing
import Synchronization

/// A session's FUSE-over-io_uring transport (``MountOptions/requestRing``): attached before the session
/// serves, detached once it is unmounted, and asked about in between.
final class RequestRing: Sendable {
    private struct Pointer: @unchecked Sendable { let raw: OpaquePointer }
    private let ring: Mutex<Pointer?>

    /// Nil where the host does not offer the ring; the session then serves over /dev/fuse alone.
    init?(session: OpaquePointer, threads: UInt32) {
        var error: Int32 = 0
        guard let raw = scorpio_fuse_ring_attach(session, threads, &error) else { return nil }
        ring = Mutex(Pointer(raw: raw))
    }

    /// Waits for the ring's threads to end; the session must be unmounted already.
    func detach() {
        let pointer = ring.withLock { ring in
            defer { ring = nil }
            return ring
        }
        if let pointer { scorpio_fuse_ring_detach(pointer.raw) }
    }

    var isActive: Bool { ring.withLock { $0.map { scorpio_fuse_ring_active($0.raw) == 1 } ?? false } }

    var requestsAnswered: UInt64 { ring.withLock { $0.map { scorpio_fuse_ring_answered($0.raw) } ?? 0 } }

    static var kernelOffers: Bool { scorpio_fuse_ring_enabled() == 1 }
}
