import AsyncHTTPClient
import Dispatch
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import SystemPackage

/// One attempt at one request: gathers what the HTTP client reports (on its event loop) and wakes the
/// thread that waits for it.
final class MegaTransfer: HTTPClientResponseDelegate, Sendable {
    typealias Response = Void

    enum Outcome: Sendable {
        case answered(status: Int, headers: [String: String], body: [UInt8], receivedBytes: UInt64)
        /// The network failed; worth another attempt.
        case networkFailure(String)
        /// Storing the body failed; not worth another attempt.
        case localFailure(SourceError)
    }

    private struct State {
        var status: Int?
        var headers: [String: String] = [:]
        var body: [UInt8] = []
        var receivedBytes: UInt64 = 0
        /// Bumped by every callback, so a waiter can tell a slow transfer from a stuck one.
        var progress = 0
        var networkFailure: String?
        var localFailure: SourceError?
        var stalledAfter: Duration?
        var finished = false
    }

    /// Why the body could not be stored: ends the transfer.
    private struct StoreFailure: Error {}

    private static let errorBodyLimit = 4096

    private let destination: MegaResponseBody
    /// The longest the transfer may go without progress.
    private let timeout: Duration
    private let state = Mutex(State())
    private let finished = DispatchSemaphore(value: 0)

    init(destination: MegaResponseBody, timeout: Duration) {
        self.destination = destination
        self.timeout = timeout
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        var headers: [String: String] = [:]
        for (name, value) in head.headers { headers[name.lowercased()] = value }
        state.withLock {
            $0.status = Int(head.status.code)
            $0.headers = headers
            $0.body = []
            $0.receivedBytes = 0
            $0.progress += 1
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let stored = buffer.withUnsafeReadableBytes { receive($0) }
        return stored ? task.eventLoop.makeSucceededVoidFuture() : task.eventLoop.makeFailedFuture(StoreFailure())
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {}

    /// Returns false when the transfer must stop (the body could not be stored).
    private func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        state.withLock { state in
            state.progress += 1
            let offset = state.receivedBytes
            state.receivedBytes += UInt64(bytes.count)
            guard let status = state.status, (200..<300).contains(status) else {
                state.body += bytes.prefix(max(0, Self.errorBodyLimit - state.body.count))
                return true
            }
            switch destination {
            case .memory:
                state.body += bytes
            case .discard:
                break
            case .file(let descriptor):
                do {
                    _ = try descriptor.writeAll(toAbsoluteOffset: Int64(offset), bytes)
                } catch {
                    state.localFailure = .io("content store", reason: "writing a downloaded blob: \(error)")
                    return false
                }
            }
            return true
        }
    }

    /// Called once, with the task's end.
    func complete(with error: (any Error)?) {
        let first = state.withLock { state in
            defer { state.finished = true }
            return !state.finished
        }
        guard first else { return }
        if let error {
            state.withLock { if $0.localFailure == nil { $0.networkFailure = describe(error) } }
        } else if case .file(let descriptor) = destination {
            // A retry of a download that failed part-way may have left bytes past the new end.
            state.withLock { state in
                if let status = state.status, (200..<300).contains(status) {
                    do { try descriptor.resize(to: Int64(state.receivedBytes)) } catch {
                        state.localFailure = .io("content store", reason: "truncating a downloaded blob: \(error)")
                    }
                }
            }
        }
        finished.signal()
    }

    /// Waits for the transfer to end; cancels it when the timeout passes without any progress.
    func waitUntilFinished(cancel: () -> Void) {
        var lastProgress = state.withLock { $0.progress }
        while finished.wait(timeout: .now() + Self.dispatchInterval(timeout)) == .timedOut {
            let progress = state.withLock { $0.progress }
            if progress == lastProgress {
                state.withLock { $0.stalledAfter = timeout }
                cancel()
                finished.wait()
                return
            }
            lastProgress = progress
        }
    }

    /// What happened, once ``waitUntilFinished(cancel:)`` returned.
    var outcome: Outcome {
        state.withLock { state in
            if let failure = state.localFailure { return .localFailure(failure) }
            if let stalled = state.stalledAfter { return .networkFailure("no progress for \(stalled)") }
            if let failure = state.networkFailure {
                let announced = state.headers["content-length"].flatMap { UInt64($0) }
                if let announced, state.receivedBytes < announced {
                    return .networkFailure("the answer stopped after \(state.receivedBytes) of \(announced) bytes")
                }
                return .networkFailure(failure)
            }
            guard let status = state.status else { return .networkFailure("the connection closed without an answer") }
            return .answered(status: status, headers: state.headers, body: state.body, receivedBytes: state.receivedBytes)
        }
    }

    private func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout: "no connection within the connect timeout"
            case .remoteConnectionClosed: "connection lost before the answer was complete"
            case .readTimeout, .deadlineExceeded: "timed out after \(timeout)"
            case .cancelled: "cancelled"
            default: "\(error)"
            }
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            "connection refused"
        case let error as NIOConnectionError:
            error.connectionErrors.first.map { describe($0.error) } ?? "cannot connect: \(error)"
        default:
            "\(error)"
        }
    }

    private static func dispatchInterval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        return .milliseconds(Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
