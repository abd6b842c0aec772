import HTTPTypes
import Hummingbird
import SmallyAccounts

/// Guards every console page (see ``AccessRouter``): the `smally_session` cookie must name a
/// live session (``ConsoleSessions/resume(id:)`` re-checks expiry and the signing key on every
/// request). Without one the answer is 303 to the sign-in page, whatever the method, and the
/// stale cookie is cleared. API keys and the admin token in headers mean nothing here: the
/// console is a browser's, and a browser sends the cookie only to this site (SameSite=Strict).
struct ConsoleSessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let sessions: ConsoleSessions
    let cookies: ConsoleCookies

    @concurrent func handle(_ request: Request, context: AppRequestContext,
                next: @concurrent (Request, AppRequestContext) async throws -> Response) async throws -> Response {
        let presented = ConsoleCookies.value(ConsoleCookies.session, in: request)
        let signedIn: ConsoleSignedIn?
        do {
            signedIn = try await presented.asyncFlatMap { try await sessions.resume(id: $0) }
        } catch {
            context.logger.warning("console session check failed", metadata: ["error": "\(error)"])
            throw APIError.unavailable("The account store is not reachable; retry shortly.")
        }
        guard let signedIn, let presented else {
            var headers = HTTPFields()
            headers[.location] = "/console/sign-in"
            headers[.cacheControl] = "no-store"
            if presented != nil {
                headers[.setCookie] = cookies.header(ConsoleCookies.session, "", maxAge: 0, request: request)
            }
            return Response(status: .seeOther, headers: headers)
        }
        var context = context
        context.console = signedIn
        context.consoleSessionID = presented
        return try await next(request, context)
    }
}

extension Optional {
    func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
