import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Synchronous HTTP for FUSE worker threads: each call blocks its thread until the answer is in, with
/// retries and linear backoff. No Swift concurrency on this path.
final class MegaHTTPClient: Sendable {
    private let session: URLSession
    private let router: MegaSessionDelegate
    private let probe: MegaConnectProbe
    private let maxRetries: Int
    private let retryBackoffStep: Duration

    init(endpoints: MegaEndpoints, options: MegaSourceOptions) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpCookieStorage = nil
        configuration.httpMaximumConnectionsPerHost = max(6, options.sizeLookupConcurrency)
        // Serial, so the chunks of one download reach the file in order.
        let callbacks = OperationQueue()
        callbacks.name = "scorpio.mega.callbacks"
        callbacks.maxConcurrentOperationCount = 1
        router = MegaSessionDelegate()
        session = URLSession(configuration: configuration, delegate: router, delegateQueue: callbacks)
        probe = MegaConnectProbe(host: endpoints.host, port: endpoints.port, timeout: options.connectTimeout)
        maxRetries = max(0, options.maxRetries)
        retryBackoffStep = options.retryBackoffStep
    }

    deinit {
        session.finishTasksAndInvalidate()
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
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method.rawValue
        urlRequest.timeoutInterval = Self.seconds(request.timeout)
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }

        let transfer = MegaTransfer(destination: body, timeout: request.timeout)
        let task = session.dataTask(with: urlRequest)
        router.track(transfer, for: task)
        task.resume()
        transfer.waitUntilFinished { task.cancel() }

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
