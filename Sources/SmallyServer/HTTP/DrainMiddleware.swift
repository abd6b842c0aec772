import Hummingbird

/// While the server drains, every response says `Connection: close`: the client (or the proxy in
/// front) opens a new connection for its next request, which goes to another node once this one
/// stops accepting, instead of reusing a connection that the shutdown is about to close under it.
/// Outermost, so error responses carry it too.
struct DrainMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let readiness: Readiness

    @concurrent func handle(_ request: Request, context: AppRequestContext, next: @concurrent (Request, AppRequestContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if readiness.isDraining { response.headers[.connection] = "close" }
        return response
    }
}
