import Hummingbird

/// Every failure becomes JSON with one of the API's codes, whatever threw it: the service's own
/// errors, the router's (unknown route, 404), or anything unexpected (500, INTERNAL_ERROR).
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: DaemonMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as DaemonError {
            return answer(error)
        } catch let error as HTTPError {
            let code: DaemonErrorCode = switch error.status {
            case .notFound: .notFound
            case .contentTooLarge: .badPayload
            case .unauthorized: .unauthorized
            case .serviceUnavailable: .shutdown
            case _ where error.status.code < 500: .invalidRequest
            default: .internalError
            }
            let message = error.status == .notFound
                ? "no route \(request.method) \(request.uri.path)" : (error.body ?? error.status.reasonPhrase)
            return answer(DaemonError(code, status: error.status, message))
        } catch {
            return answer(.internal("\(error)"))
        }
    }

    private func answer(_ error: DaemonError) -> Response {
        metrics.recordError(error.code)
        return JSONBodies.response(error)
    }
}
