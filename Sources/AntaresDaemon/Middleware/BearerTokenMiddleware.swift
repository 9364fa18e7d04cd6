import Hummingbird

/// Requires `Authorization: Bearer <token>` on every route but the health check, comparing in
/// constant time.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String
    /// Paths answered without a token (load balancers' health probes carry none).
    let openPaths: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if openPaths.contains(request.uri.path) { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            throw DaemonError(.unauthorized, "this daemon requires a bearer token: send 'Authorization: Bearer <api_token>'")
        }
        let prefix = "Bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix.lowercased(),
              Self.constantTimeEqual(Array(header.utf8.dropFirst(prefix.count)), Array(token.utf8))
        else {
            throw DaemonError(.unauthorized, "the bearer token is wrong")
        }
        return try await next(request, context)
    }

    /// Compares every byte of the longer input whatever the first difference, so the time taken
    /// tells nothing of how much of the token was right.
    static func constantTimeEqual(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: given.count ^ expected.count)
        for index in 0..<max(given.count, expected.count) {
            let left = index < given.count ? given[index] : 0
            let right = index < expected.count ? expected[index] : 0
            difference |= left ^ right
        }
        return difference == 0 && given.count == expected.count
    }
}
