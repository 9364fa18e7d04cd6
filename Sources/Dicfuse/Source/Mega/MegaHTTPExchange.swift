import Foundation
import NIOHTTP1
import SystemPackage

/// One HTTP request the source makes.
struct MegaHTTPRequest: Sendable {
    enum Method: String, Sendable {
        case get = "GET"
        case head = "HEAD"
    }

    var method: Method = .get
    var url: URL
    /// The longest the request may go without progress.
    var timeout: Duration
    var headers: [String: String] = [:]

    /// Blobs and their sizes are asked for uncompressed, so lengths are those of the blob itself.
    static let identityEncoding = ["Accept-Encoding": "identity"]
}

/// Where the body of a successful (2xx) answer goes. Unsuccessful answers always keep the start of their
/// body in memory, for the error message.
enum MegaResponseBody: Sendable {
    case memory
    /// Written from offset 0 of the file; a retried download overwrites the earlier attempt.
    case file(FileDescriptor)
    /// Counted, not kept.
    case discard
}

/// The final answer to a request, after any retries.
struct MegaHTTPResponse: Sendable {
    var url: URL
    var status: Int
    /// Header names in lower case.
    var headers: [String: String]
    /// The body of a `.memory` request, or the start of an unsuccessful answer's body.
    var body: [UInt8]
    /// Body bytes received, wherever they went.
    var receivedBytes: UInt64
    var attempts: Int

    var isSuccess: Bool { (200..<300).contains(status) }

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The answer as an error: `HTTP 500 Internal Server Error: <err_message> (4 attempts)`.
    var failure: SourceError { failure(hint: nil) }

    func failure(hint: String?) -> SourceError {
        var reason = "HTTP \(status) \(HTTPResponseStatus(statusCode: status).reasonPhrase)"
        if let message = MegaEnvelope.errorMessage(in: body) ?? Self.text(of: body) { reason += ": \(message)" }
        if let hint { reason += " (\(hint))" }
        return .server(url: url.absoluteString, reason: reason + MegaHTTPResponse.attemptsNote(attempts))
    }

    static func attemptsNote(_ attempts: Int) -> String { attempts > 1 ? " (\(attempts) attempts)" : "" }

    private static func text(of body: [UInt8]) -> String? {
        let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
