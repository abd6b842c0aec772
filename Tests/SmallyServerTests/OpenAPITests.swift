import Foundation
import Hummingbird
import HummingbirdTesting
@testable import SmallyServer
import Testing

/// `/openapi.json` describes every route the server registers: each path and method, with a
/// response schema for its success answer and a request schema wherever it reads a JSON body.
@Suite("OpenAPI document")
struct OpenAPITests {
    /// Routes that read no body although they are POSTs.
    static let withoutBody: Set<String> = ["POST /v1/admin/keys/{id}/revoke"]

    @Test("every registered route is in /openapi.json with its request and response schemas, and nothing else is")
    func everyRouteDocumented() async throws {
        let server = try RouteAccessTests.server()
        defer { try? FileManager.default.removeItem(atPath: server.directory) }
        // The document describes the JSON API. The console's HTML pages are for browsers, not API
        // clients, and are left out of it (their access is checked by RouteAccessTests and ConsoleTests).
        let routes = server.routes.filter { !$0.methodNotAllowed && !$0.isConsolePage }
        #expect(server.routes.contains { $0.isConsolePage }, "the console is on in this server")
        #expect(routes.count >= 20)
        try await server.app.test(.router) { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented = Set<String>()
            for (path, item) in paths {
                for method in ["get", "post", "put", "patch", "delete"] where item[method] != nil { documented.insert("\(method.uppercased()) \(path)") }
            }
            let registered = Set(routes.map { "\($0.method) \($0.path)" })
            #expect(!paths.keys.contains { $0 == "/console" || $0.hasPrefix("/console/") }, "console pages are not API operations")
            #expect(registered == documented,
                    "registered, not documented: \(registered.subtracting(documented).sorted()); documented, not registered: \(documented.subtracting(registered).sorted())")
            for route in routes {
                guard let operation = paths[route.path]?[route.method.lowercased()] as? [String: Any] else { continue }
                let responses = operation["responses"] as? [String: Any] ?? [:]
                let success = responses.filter { $0.key.hasPrefix("2") }
                #expect(!success.isEmpty, "\(route.method) \(route.path) documents no 2xx answer")
                for (status, answer) in success {
                    let content = (answer as? [String: Any])?["content"] as? [String: Any] ?? [:]
                    #expect(content.values.contains { ($0 as? [String: Any])?["schema"] != nil },
                            "\(route.method) \(route.path) \(status) has no response schema")
                }
                let key = "\(route.method) \(route.path)"
                if ["POST", "PATCH", "PUT"].contains(route.method), !Self.withoutBody.contains(key) {
                    let body = operation["requestBody"] as? [String: Any]
                    let schema = ((body?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]
                    #expect(schema != nil, "\(key) reads a JSON body but documents no request schema")
                }
                if route.access != .open {
                    #expect(operation["security"] != nil, "\(key) needs a credential but documents no security")
                }
            }
        }
    }
}
