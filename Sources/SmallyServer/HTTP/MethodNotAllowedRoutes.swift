import HTTPTypes
import Hummingbird

/// Answers 405 with an `Allow` header when a known path is called with a method it does not
/// take (Hummingbird's router would answer 404, as if the path did not exist). Registered after
/// every other route: it reads the router's route list and fills in the missing methods. The
/// answers are registered through the ``AccessRouter``, so a path's 405 sits behind the same check
/// as its routes (an admin path's 405 needs the admin token).
enum MethodNotAllowedRoutes {
    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete]

    static func register(on router: AccessRouter, routes: [Router<AppRequestContext>.RouteDescription]) {
        let byPath = Dictionary(grouping: routes, by: { $0.path.description })
        for routes in byPath.values {
            let allowed = Set(routes.map(\.method))
            let allow = methods.filter(allowed.contains).map(\.rawValue).joined(separator: ", ")
            for method in methods where !allowed.contains(method) {
                router.on(routes[0].path, method: method) { request, _ -> Response in
                    var error = APIError(.methodNotAllowed, type: "invalid_request_error",
                                         message: "\(request.method.rawValue) is not allowed on \(request.uri.path); allowed: \(allow).",
                                         code: "method_not_allowed")
                    error.headers[.allow] = allow
                    throw error
                }
            }
        }
    }
}
