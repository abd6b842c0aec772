import Hummingbird

/// Counts and times every request by route template and status. Outermost, so it sees the
/// final status of error responses too.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: ServerMetrics

    @concurrent func handle(_ request: Request, context: AppRequestContext, next: @concurrent (Request, AppRequestContext) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        metrics.request(route: route, status: Int(response.status.code), duration: ContinuousClock.now - started)
        return response
    }
}

/// `GET /metrics`: Prometheus text format. Open (no key), like /health.
struct MetricsRoutes {
    let metrics: ServerMetrics

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }
}
