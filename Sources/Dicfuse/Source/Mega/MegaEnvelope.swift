import Foundation

/// The wrapper of every JSON answer: `{"req_result": bool, "data": …, "err_message": string}`.
enum MegaEnvelope {
    /// The `data` of a successful answer; throws naming `url` for anything else.
    static func data<Payload: Decodable>(_ type: Payload.Type, from body: [UInt8], url: URL) throws(SourceError) -> Payload {
        let json = Data(body)
        let failure = { (reason: String) in SourceError.server(url: url.absoluteString, reason: reason) }
        guard (try? JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])) != nil else {
            throw failure("the answer is not JSON: \(snippet(of: body))")
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: json) else {
            throw failure("the answer is JSON but not a Mega answer (no boolean req_result): \(snippet(of: body))")
        }
        guard header.succeeded else {
            let message = header.message.flatMap { $0.isEmpty ? nil : $0 } ?? "no err_message given"
            throw failure("the server refused: \(message)")
        }
        do {
            return try JSONDecoder().decode(Wrapped<Payload>.self, from: json).data
        } catch {
            throw failure("unexpected data in the answer: \(describe(error))")
        }
    }

    /// The `err_message` of a body that is an envelope with one.
    static func errorMessage(in body: [UInt8]) -> String? {
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(body)),
            let message = header.message, !message.isEmpty
        else { return nil }
        return message
    }

    /// Whether a body is a Mega envelope at all (a Mega server's 404, not some other server's).
    static func isEnvelope(_ body: [UInt8]) -> Bool {
        (try? JSONDecoder().decode(Header.self, from: Data(body))) != nil
    }

    private struct Header: Decodable {
        var succeeded: Bool
        var message: String?

        enum CodingKeys: String, CodingKey {
            case succeeded = "req_result"
            case message = "err_message"
        }
    }

    private struct Wrapped<Payload: Decodable>: Decodable {
        var data: Payload
    }

    private static func snippet(of body: [UInt8]) -> String {
        if body.isEmpty { return "(empty)" }
        let text = String(decoding: body.prefix(80), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return "'\(text)\(body.count > 80 ? "…" : "")'"
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "the answer" : keys.hasPrefix(".") ? String(keys.dropFirst()) : keys
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context)) has no '\(key.stringValue)'"
        case .typeMismatch(let type, let context): return "\(path(context)) is not \(type)"
        case .valueNotFound(let type, let context): return "\(path(context)) is null, expected \(type)"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
