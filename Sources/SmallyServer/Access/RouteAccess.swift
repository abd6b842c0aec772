import Hummingbird

/// Who may call a route. Decided from the route's registered pattern (what the router matched),
/// never from the raw request path: `//v1/embed`, `/v1/embed/` and `/v1/./embed` reach the same
/// route as `/v1/embed`, and so meet the same check.
///
/// A key is required by default: only the routes listed in ``openPaths`` are open, and every
/// route under `/v1/admin` takes `ADMIN_TOKEN` instead of a key.
public enum RouteAccess: String, Sendable, CaseIterable {
    /// No credentials: liveness, readiness, metrics, model info, the API description.
    case open
    /// `Authorization: Bearer <API key>` (when `SMALLY_AUTH` is on).
    case apiKey = "api_key"
    /// `Authorization: Bearer <ADMIN_TOKEN>`.
    case adminToken = "admin_token"

    /// The explicit list of open routes.
    public static let openPaths: Set<String> = ["/health", "/ready", "/metrics", "/info", "/openapi.json"]

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
}
