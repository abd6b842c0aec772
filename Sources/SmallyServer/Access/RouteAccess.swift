import Hummingbird

/// Who may call a route. Decided from the route's registered pattern (what the router matched),
/// never from the raw request path: `//v1/embed`, `/v1/embed/` and `/v1/./embed` reach the same
/// route as `/v1/embed`, and so meet the same check.
///
/// A key is required by default: only the routes listed in ``openPaths`` are open, and every
/// route under `/v1/admin` takes `ADMIN_TOKEN` instead of a key. The web console's pages (under
/// `/console`) take a console session cookie instead (its sign-in form and its stylesheet and
/// script are in the open list: the sign-in form does its own checks).
public enum RouteAccess: String, Sendable, CaseIterable {
    /// No credentials: liveness, readiness, metrics, model info, the API description.
    case open
    /// `Authorization: Bearer <API key>` (when `SMALLY_AUTH` is on).
    case apiKey = "api_key"
    /// `Authorization: Bearer <ADMIN_TOKEN>`.
    case adminToken = "admin_token"
    /// A console session cookie (`smally_session`), made by signing in at `/console/sign-in`.
    case consoleSession = "console_session"

    /// The explicit list of open routes.
    public static let openPaths: Set<String> = ["/health", "/ready", "/metrics", "/info", "/openapi.json",
                                                "/console/sign-in", "/console/style.css", "/console/console.js"]

    /// The access class of a registered route pattern.
    public static func of(_ path: RouterPath) -> RouteAccess {
        of(routePattern: path.description)
    }

    static func of(routePattern: String) -> RouteAccess {
        // Patterns are compared component by component, as the router matches them.
        let components = routePattern.split(separator: "/", omittingEmptySubsequences: true)
        let canonical = "/" + components.joined(separator: "/")
        if openPaths.contains(canonical) { return .open }
        if components.count >= 2, components[0] == "v1", components[1] == "admin" { return .adminToken }
        if components.first == "console" { return .consoleSession }
        return .apiKey
    }
}

/// One route of the public listener as the router holds it (its 405 answers included).
public struct RegisteredRoute: Sendable, Hashable {
    /// The pattern, e.g. `/v1/admin/keys/{id}/rotate`.
    public var path: String
    public var method: String
    /// A 405 answer filled in for a method the path does not take (not a route of its own).
    public var methodNotAllowed = false
    public var access: RouteAccess { RouteAccess.of(routePattern: path) }
    /// A page of the web console (HTML for browsers): not part of the JSON API's OpenAPI document.
    public var isConsolePage: Bool { path == "/console" || path.hasPrefix("/console/") }
}
