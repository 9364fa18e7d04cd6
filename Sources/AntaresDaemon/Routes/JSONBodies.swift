import Foundation
import Hummingbird

/// JSON in and out: answers written with stable key order, request bodies read up to a limit and
/// decoded with errors that name the field.
enum JSONBodies {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"the answer could not be encoded","code":"INTERNAL_ERROR"}"#.utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The error's JSON: `{"error","code"}`, and the mount's fields when the error concerns one.
    static func response(_ error: DaemonError) -> Response {
        var response = response(ErrorAnswer(error: error), status: error.status)
        if error.code == .unauthorized { response.headers[.wwwAuthenticate] = #"Bearer realm="scorpio""# }
        return response
    }

    /// The request's body as `T`; at most `limit` bytes are read.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws(DaemonError) -> T {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw tooLarge(limit)
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge(limit)
        } catch {
            throw .badPayload("the request body could not be read: \(error)")
        }
        guard body.readableBytes > 0 else { throw .badPayload("the request body is empty; expected a JSON object") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: body))
        } catch let error as DecodingError {
            throw .badPayload(explain(error))
        } catch {
            throw .badPayload("the request body is not valid JSON: \(error)")
        }
    }

    private static func tooLarge(_ limit: Int) -> DaemonError {
        DaemonError(.badPayload, status: .contentTooLarge, "the request body is larger than \(limit) bytes (http_body_limit)")
    }

    private static func explain(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "the body" : "field '" + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(let type, let context):
            return "\(field(context.codingPath)) should be \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(field(context.codingPath)) should be \(typeName(type)), not null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "the request body is not valid JSON" }
            return "\(field(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "the request body does not match: \(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type: "an integer"
        default: "an object"
        }
    }
}

/// An error's JSON (see ``DaemonError``).
private struct ErrorAnswer: Encodable {
    let error: DaemonError

    private enum Keys: String, CodingKey { case error, code }

    func encode(to encoder: any Encoder) throws {
        try error.mount?.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(error.message, forKey: .error)
        try container.encode(error.code.rawValue, forKey: .code)
    }
}
