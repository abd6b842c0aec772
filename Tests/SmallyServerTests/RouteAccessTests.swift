import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import SmallyAccounts
@testable import SmallyServer
import Testing

/// Every registered route, spelled every way a client can spell a path, meets the check its
/// route calls for: no key, a malformed key, a revoked key (and, on the admin API, no token, a
/// wrong token, an API key) never get a 2xx. Runs the real application on a real socket, with
/// request targets written byte for byte.
@Suite("route access")
struct RouteAccessTests {
    static let adminToken = "route-access-admin-token-0123456789abcdef"

    /// The real app with accounts on (embedded store in a temporary folder) and the admin API.
    struct Server {
        let app: any ApplicationProtocol
        let routes: [RegisteredRoute]
        let directory: String

        var developmentKey: String {
            get throws {
                try String(contentsOfFile: directory + "/" + DevelopmentKey.fileName, encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
    }

    static func server(_ adjust: (inout ServerConfiguration) -> Void = { _ in },
                       onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> Server {
        let directory = NSTemporaryDirectory() + "smally-access-\(UInt64.random(in: 0...UInt64.max))"
        let configuration = ServerTestSupport.configuration {
            $0.auth = .enabled
            $0.accounts.dataDirectory = directory
            $0.adminToken = adminToken
            $0.authFailuresPerMinute = 0  // this suite sends thousands of wrong credentials on purpose
            adjust(&$0)
        }
        let table = RouteList()
        let app = try buildApplication(configuration: configuration, engine: try ServerTestSupport.engine(),
                                       metrics: ServerMetrics(registry: PrometheusCollectorRegistry()),
                                       logger: quietLogger, onServerRunning: onServerRunning, onRoutesRegistered: { table.routes = $0 })
        return Server(app: app, routes: table.routes, directory: directory)
    }

    /// Thousands of refused credentials are logged as warnings by design; keep the test output readable.
    static var quietLogger: Logger {
        var logger = Logger(label: "route-access-test")
        logger.logLevel = .error
        return logger
    }

    final class RouteList: @unchecked Sendable {
        var routes: [RegisteredRoute] = []
    }

    /// A concrete path for a pattern (`:id` → a made-up id).
    static func concrete(_ pattern: String) -> String {
        pattern.split(separator: "/").map { $0.hasPrefix(":") || $0.hasPrefix("{") ? "key_doesnotexist" : String($0) }
            .reduce("") { $0 + "/" + $1 }
    }

    /// The spellings of one path a client can send.
    static func variants(of path: String, port: Int) -> [String] {
        let inner = String(path.dropFirst())  // "v1/embed"
        let firstSlash = inner.firstIndex(of: "/").map { inner.distance(from: inner.startIndex, to: $0) }
        var doubledInside = path
        if let firstSlash {
            let index = path.index(path.startIndex, offsetBy: firstSlash + 1)
            doubledInside.insert("/", at: index)
        }
        return [
            path,
            "/" + path,
            "///" + inner,
            path + "/",
            doubledInside,
            "/." + path,
            "/v1/../" + inner,
            "/" + inner.replacingOccurrences(of: "/", with: "%2F"),
            "/" + inner.replacingOccurrences(of: "/", with: "%2f") + "/",
            path.uppercased(),
            path + ";x=1",
            path + "?a=b&org=default",
            "//" + inner + "?x=1",
            "http://127.0.0.1:\(port)" + path,
            "http://127.0.0.1:\(port)/" + path,
            "http://evil.example" + path,
        ]
    }

    static let body = #"{"text": "hi", "texts": ["hi"], "input": "hi", "org": "default", "name": "x", "tier": "free"}"#

    @Test("every registered route under every path spelling refuses missing, malformed and revoked credentials")
    func everyRouteEverySpelling() async throws {
        let server = try Self.server()
        defer { try? FileManager.default.removeItem(atPath: server.directory) }
        try await server.app.test(.live) { client in
            let port = try #require(client.port)
            let admin = ["Authorization": "Bearer \(Self.adminToken)"]
            let valid = try server.developmentKey

            // A revoked key, made and revoked through the admin API.
            let created = try await RawHTTP.request(port: port, method: "POST", target: "/v1/admin/keys", headers: admin,
                                              body: #"{"org": "default", "name": "doomed"}"#)
            #expect(created.status == 201)
            let createdObject = try #require(try JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any])
            let revokedKey = try #require(createdObject["key"] as? String)
            let revokedID = try #require(createdObject["id"] as? String)
            #expect(try await RawHTTP.request(port: port, method: "POST", target: "/v1/admin/keys/\(revokedID)/revoke", headers: admin).status == 200)

            // The routes the check must guard are really there: with the right credential the
            // odd spellings reach them (otherwise a 401 below would prove nothing).
            let models = try await RawHTTP.request(port: port, method: "GET", target: "//v1/models", headers: ["Authorization": "Bearer \(valid)"])
            #expect(models.status == 200)
            let orgs = try await RawHTTP.request(port: port, method: "GET", target: "//v1/admin/orgs/", headers: admin)
            #expect(orgs.status == 200)

            let guarded = server.routes.filter { $0.access != .open }
            #expect(guarded.count >= 30, "expected every API and admin route and their 405 answers; got \(guarded.count)")
            #expect(Set(guarded.map(\.path)).isSuperset(of: ["/v1/embed", "/v1/embeddings", "/v1/tokenize", "/v1/models", "/v1/usage",
                                                            "/v1/admin/orgs", "/v1/admin/keys", "/v1/admin/keys/{id}/rotate",
                                                            "/console", "/console/orgs/{org}", "/console/orgs/{org}/keys/{id}/revoke"]))
            // Every console page is behind the session check, apart from the listed open ones.
            for route in server.routes where route.isConsolePage {
                #expect(route.access == (RouteAccess.openPaths.contains(route.path) ? .open : .consoleSession), "\(route.method) \(route.path)")
            }
            var refusals = 0
            for route in guarded {
                let credentials: [[String: String]]
                switch route.access {
                case .adminToken:
                    credentials = [[:], ["Authorization": "Bearer wrong-\(Self.adminToken)"], ["Authorization": "Bearer \(valid)"],
                                   ["Authorization": "Basic \(Self.adminToken)"], ["X-API-Key": "nope"]]
                case .consoleSession:
                    // Console pages take only a session cookie: keys and the admin token in headers mean nothing there.
                    credentials = [[:], ["Cookie": "smally_session=bogus"], ["Cookie": "smally_session=\(ConsoleSessions.randomToken())"],
                                   ["Authorization": "Bearer \(Self.adminToken)"], ["Authorization": "Bearer \(valid)"]]
                default:
                    credentials = [[:], ["Authorization": "Bearer sk_malformed"], ["Authorization": "Bearer \(revokedKey)"],
                                   ["Authorization": "Bearer \(Self.adminToken)"], ["X-API-Key": revokedKey]]
                }
                let path = Self.concrete(route.path)
                for target in Self.variants(of: path, port: port) {
                    for headers in credentials {
                        let body = route.method == "GET" || route.method == "DELETE" ? nil : Self.body
                        let answer = try await RawHTTP.request(port: port, method: route.method, target: target, headers: headers, body: body)
                        #expect(!(200..<300).contains(answer.status),
                                "\(route.method) \(target) with \(headers.keys.sorted()) answered \(answer.status): \(answer.body.prefix(200))")
                        #expect([303, 400, 401, 404, 405].contains(answer.status),
                                "\(route.method) \(target) answered \(answer.status)")
                        if target == path || target == "/" + path {
                            // The route is matched, so its check answers, whatever the method: 401, or for a
                            // console page the way to its sign-in form.
                            if route.access == .consoleSession {
                                #expect(answer.status == 303 && answer.header("location") == "/console/sign-in",
                                        "\(route.method) \(target) answered \(answer.status), expected 303 to the sign-in form")
                            } else {
                                #expect(answer.status == 401, "\(route.method) \(target) answered \(answer.status), expected 401")
                            }
                        } else if route.access != .consoleSession {
                            #expect(answer.status != 303)
                        }
                        refusals += 1
                    }
                }
            }
            #expect(refusals > 1_000)
        }
    }

    @Test("exactly the listed routes are open, and they answer without a key")
    func openRoutes() async throws {
        let server = try Self.server()
        defer { try? FileManager.default.removeItem(atPath: server.directory) }
        let openGets = Set(server.routes.filter { $0.access == .open && $0.method == "GET" }.map(\.path))
        #expect(openGets == RouteAccess.openPaths)
        try await server.app.test(.live) { client in
            let port = try #require(client.port)
            for path in RouteAccess.openPaths.sorted() {
                let answer = try await RawHTTP.request(port: port, method: "GET", target: path)
                #expect(answer.status == 200, "GET \(path) answered \(answer.status)")
                #expect(answer.header("x-content-type-options") == "nosniff")
            }
            let refused = try await RawHTTP.request(port: port, method: "POST", target: "/v1/embed", body: #"{"text": "hi"}"#)
            #expect(refused.status == 401 && refused.header("x-content-type-options") == "nosniff")
        }
    }

    @Test("route patterns are classified by component, not by prefix")
    func classification() {
        #expect(RouteAccess.of(routePattern: "/health") == .open)
        #expect(RouteAccess.of(routePattern: "health") == .open)
        #expect(RouteAccess.of(routePattern: "/healthz") == .apiKey)
        #expect(RouteAccess.of(routePattern: "/health/x") == .apiKey)
        #expect(RouteAccess.of(routePattern: "/v1/admin") == .adminToken)
        #expect(RouteAccess.of(routePattern: "/v1/admin/keys/:id/rotate") == .adminToken)
        #expect(RouteAccess.of(routePattern: "/v1/administrator") == .apiKey)
        #expect(RouteAccess.of(routePattern: "/v1/embed") == .apiKey)
        #expect(RouteAccess.of(routePattern: "/anything/new") == .apiKey)
        #expect(RouteAccess.of(routePattern: "/console") == .consoleSession)
        #expect(RouteAccess.of(routePattern: "/console/orgs/:org/keys") == .consoleSession)
        #expect(RouteAccess.of(routePattern: "/console/sign-in") == .open)
        #expect(RouteAccess.of(routePattern: "/console/sign-in/x") == .consoleSession)
        #expect(RouteAccess.of(routePattern: "/consoles") == .apiKey)
    }
}
