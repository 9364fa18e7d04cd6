import Hummingbird

/// The health check (upstream's) and the Prometheus metrics (ours).
struct ObservabilityRoutes {
    let service: AntaresService

    func register<Methods: RouterMethods>(on routes: Methods) {
        routes.get("health") { _, _ -> Response in
            JSONBodies.response(await service.health())
        }
        routes.get("metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: await service.metricsText())))
        }
    }
}
