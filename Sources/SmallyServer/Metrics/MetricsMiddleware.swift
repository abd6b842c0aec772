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
