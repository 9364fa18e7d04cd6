import Dispatch
import Foundation
import Synchronization

/// Finds the sizes of blobs a listing gave no `size` for, without downloading them where the server
/// allows: `HEAD` of the blob (its Content-Length), else a `GET` of its first byte (the total in
/// Content-Range), else the whole body, counted and dropped.
struct MegaBlobSizeResolver: Sendable {
    let client: MegaHTTPClient
    let endpoints: MegaEndpoints
    let timeout: Duration
    let concurrency: Int

    /// The empty blob's git id: its size needs no question.
    static let emptyBlob = ObjectID(hex: "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")!

    /// The sizes of `ids`, in order, looked up by up to `concurrency` threads of their own (not
    /// Dispatch's pool: each blocks while its request is out).
    func sizes(of ids: [ObjectID]) throws(SourceError) -> [UInt64] {
        guard ids.count > 1, concurrency > 1 else { return try ids.map { id throws(SourceError) in try size(of: id) } }
        let batch = Batch(count: ids.count)
        let finished = DispatchGroup()
        for _ in 0..<min(concurrency, ids.count) {
            finished.enter()
            Thread {
                defer { finished.leave() }
                while let index = batch.claim() {
                    batch.set(index, Result { () throws(SourceError) in try size(of: ids[index]) })
                }
            }.start()
        }
        finished.wait()
        return try batch.values()
    }

    func size(of id: ObjectID) throws(SourceError) -> UInt64 {
        if id == Self.emptyBlob { return 0 }
        let url = endpoints.blob(id)
        let head = try client.perform(
            MegaHTTPRequest(method: .head, url: url, timeout: timeout, headers: MegaHTTPRequest.identityEncoding),
            body: .discard)
        // A zero length for a blob that is not the empty one is a server that does not know the length.
        if head.isSuccess, let length = head.header("Content-Length").flatMap({ UInt64($0) }), length > 0 {
            return length
        }
        var headers = MegaHTTPRequest.identityEncoding
        headers["Range"] = "bytes=0-0"
        let firstByte = try client.perform(MegaHTTPRequest(url: url, timeout: timeout, headers: headers), body: .discard)
        switch firstByte.status {
        case 206, 416:
            guard let total = Self.total(inContentRange: firstByte.header("Content-Range")) else {
                throw .server(url: url.absoluteString, reason: "HTTP \(firstByte.status) without a usable Content-Range")
            }
            return total
        case 200..<300:
            return firstByte.receivedBytes
        default:
            throw firstByte.failure
        }
    }

    /// `bytes 0-0/1234` and `bytes */1234` both give 1234.
    private static func total(inContentRange value: String?) -> UInt64? {
        guard let value, let slash = value.lastIndex(of: "/") else { return nil }
        return UInt64(value[value.index(after: slash)...].trimmingCharacters(in: .whitespaces))
    }

    /// The lookups of one listing: which come next, and their results.
    private final class Batch: Sendable {
        private let state: Mutex<(next: Int, results: [Result<UInt64, SourceError>?])>

        init(count: Int) { state = Mutex((0, Array(repeating: nil, count: count))) }

        /// The index of a lookup nobody has taken yet.
        func claim() -> Int? {
            state.withLock { state in
                guard state.next < state.results.count else { return nil }
                defer { state.next += 1 }
                return state.next
            }
        }

        func set(_ index: Int, _ result: Result<UInt64, SourceError>) {
            state.withLock { $0.results[index] = result }
        }

        func values() throws(SourceError) -> [UInt64] {
            let results = state.withLock { $0.results }
            var values: [UInt64] = []
            values.reserveCapacity(results.count)
            for result in results {
                guard let result else { preconditionFailure("every lookup ends before its thread leaves the group") }
                values.append(try result.get())
            }
            return values
        }
    }
}
