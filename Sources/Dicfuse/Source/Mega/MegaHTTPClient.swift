import AsyncHTTPClient
import Foundation
import NIOHTTP1

/// Synchronous HTTP for FUSE worker threads: each call blocks its thread until the answer is in, with
/// retries and linear backoff. No Swift concurrency on this path.
final class MegaHTTPClient: Sendable {
    private let client: HTTPClient
    private let probe: MegaConnectProbe
    private let maxRetries: Int
    private let retryBackoffStep: Duration

    init(endpoints: MegaEndpoints, options: MegaSourceOptions) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .follow(max: 5, allowCycles: false),
            timeout: .init(connect: .nanoseconds(Int64(Self.seconds(options.connectTimeout) * 1e9))),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(6, options.sizeLookupConcurrency))
        )
        // A refused connection is a failed attempt, retried by ``perform(_:body:)`` with its backoff.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        probe = MegaConnectProbe(host: endpoints.host, port: endpoints.port, timeout: options.connectTimeout)
        maxRetries = max(0, options.maxRetries)
        retryBackoffStep = options.retryBackoffStep
    }

    deinit {
        client.shutdown { _ in }
    }

    /// The answer to `request`, whatever its status once retries are spent; throws only when no answer
    /// came (network failure on every attempt) or the body could not be stored.
    func perform(_ request: MegaHTTPRequest, body: MegaResponseBody = .memory) throws(SourceError) -> MegaHTTPResponse {
        var attempt = 0
        while true {
            attempt += 1
            let outcome = performOnce(request, body: body)
            let isLastAttempt = attempt > maxRetries
            switch outcome {
            case .localFailure(let failure):
                throw failure
            case .networkFailure(let reason):
                if isLastAttempt {
                    throw .server(url: request.url.absoluteString, reason: reason + MegaHTTPResponse.attemptsNote(attempt))
                }
            case .answered(let status, let headers, let answer, let receivedBytes):
                let response = MegaHTTPResponse(
                    url: request.url, status: status, headers: headers, body: answer,
                    receivedBytes: receivedBytes, attempts: attempt)
                if isLastAttempt || !Self.isTransient(status) { return response }
            }
            Thread.sleep(forTimeInterval: Self.seconds(retryBackoffStep * attempt))
        }
    }

    private func performOnce(_ request: MegaHTTPRequest, body: MegaResponseBody) -> MegaTransfer.Outcome {
        if let reason = probe.unreachableReason() { return .networkFailure(reason) }
        let transfer = MegaTransfer(destination: body, timeout: request.timeout)
        do {
            let httpRequest = try HTTPClient.Request(
                url: request.url, method: HTTPMethod(rawValue: request.method.rawValue),
                headers: HTTPHeaders(request.headers.map { ($0.key, $0.value) }))
            let task = client.execute(request: httpRequest, delegate: transfer)
            task.futureResult.whenComplete { result in
                if case .failure(let error) = result { transfer.complete(with: error) } else { transfer.complete(with: nil) }
            }
            transfer.waitUntilFinished { task.cancel() }
        } catch {
            return .localFailure(.server(url: request.url.absoluteString, reason: "not a request the client can make: \(error)"))
        }

        let outcome = transfer.outcome
        if case .networkFailure = outcome { probe.forgetReachability() }
        return outcome
    }

    /// Server trouble that may pass: 5xx and 429 (rate limited).
    private static func isTransient(_ status: Int) -> Bool {
        status == 429 || (500..<600).contains(status)
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
