import CFuse
import Synchronization

/// The libfuse session pointer, shared by the serving thread and the notifier, and cleared (under the
/// lock) before the session is destroyed so nobody uses it afterwards.
final class SessionHandle: Sendable {
    private struct Pointer: @unchecked Sendable { let raw: OpaquePointer }
    private let pointer: Mutex<Pointer?>
    /// For the serving thread, which owns the session for its whole life.
    private let owned: Pointer

    init(_ session: OpaquePointer) {
        owned = Pointer(raw: session)
        pointer = Mutex(owned)
    }

    var session: OpaquePointer { owned.raw }

    /// Runs `body` with the live session and returns its status, or nil once the session has ended.
    func withSession(_ body: (OpaquePointer) -> Int32) -> Int32? {
        pointer.withLock { pointer -> Int32? in
            guard let pointer else { return nil }
            return body(pointer.raw)
        }
    }

    /// Marks the session as ending; returns whether it was still live. Later ``withSession(_:)`` calls see
    /// nothing, so the caller may destroy it.
    func take() -> Bool {
        pointer.withLock { pointer in
            defer { pointer = nil }
            return pointer != nil
        }
    }
}
