import HTTPTypes
import Hummingbird

/// The routes of one listener, each placed behind the check its ``RouteAccess`` calls for.
///
/// Routes are registered through this type instead of the router: `on(_:method:responder:)`
/// looks at the route's pattern and adds it to the open group, the API-key group or the admin
/// group, whose middleware runs after the router has matched the route. So a route cannot be
/// left open by registering it in the wrong place, and a path spelling the router ignores
/// (empty segments, a trailing slash) cannot skip the check.
///
/// Routes whose class this listener does not serve (the admin API without `ADMIN_TOKEN`, or when
/// it has its own `ADMIN_PORT`) are not registered at all: those paths answer 404.
public struct AccessRouter: RouterMethods {
    public typealias Context = AppRequestContext

    let groups: [RouteAccess: RouterGroup<AppRequestContext>]

    /// - Parameters:
    ///   - keyCheck: runs before every API-key route; nil when keys are off (`SMALLY_AUTH=off`).
    ///   - adminCheck: runs before every admin route; nil leaves the admin API off this listener.
    ///   - consoleCheck: runs before every console page; nil leaves the console off this listener.
    ///   - serving: the classes of routes this listener serves.
    public init(router: Router<AppRequestContext>,
                keyCheck: (any MiddlewareProtocol<Request, Response, AppRequestContext>)?,
                adminCheck: (any MiddlewareProtocol<Request, Response, AppRequestContext>)?,
                consoleCheck: (any MiddlewareProtocol<Request, Response, AppRequestContext>)? = nil,
                serving: Set<RouteAccess> = Set(RouteAccess.allCases)) {
        var groups: [RouteAccess: RouterGroup<AppRequestContext>] = [:]
        if serving.contains(.open) { groups[.open] = router.group() }
        if serving.contains(.apiKey) {
            let group = router.group()
            if let keyCheck { group.add(middleware: keyCheck) }
            groups[.apiKey] = group
        }
        if serving.contains(.adminToken), let adminCheck {
            groups[.adminToken] = router.group().add(middleware: adminCheck)
        }
        if serving.contains(.consoleSession), let consoleCheck {
            groups[.consoleSession] = router.group().add(middleware: consoleCheck)
        }
        self.groups = groups
    }

    /// Whether routes of this class are served here.
    public func serves(_ access: RouteAccess) -> Bool { groups[access] != nil }

    @discardableResult
    public func on<Responder: HTTPResponder>(_ path: RouterPath, method: HTTPRequest.Method, responder: Responder) -> Self
    where Responder.Context == AppRequestContext {
        groups[RouteAccess.of(path)]?.on(path, method: method, responder: responder)
        return self
    }

    /// Adds a middleware to every group (for routes added after this call).
    @discardableResult
    public func add(middleware: any MiddlewareProtocol<Request, Response, AppRequestContext>) -> Self {
        for group in groups.values { group.add(middleware: middleware) }
        return self
    }
}
