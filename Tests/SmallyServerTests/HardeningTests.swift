import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceLifecycle
import SmallyCore
@testable import SmallyServer
import Testing

/// The public listener's defences, on the real application over real sockets: failed
/// credentials throttled per address, idle connections closed, a connection limit, the admin API
/// on its own port, malformed admin input answered 400 with the server still up, and a cache
/// that does not tell one organization what another embedded.
@Suite("hardening")
struct HardeningTests {
    static let admin = ["Authorization": "Bearer \(RouteAccessTests.adminToken)"]

    static func object(_ answer: RawHTTP.Answer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
    }

    static func errorCode(_ answer: RawHTTP.Answer) throws -> String? {
        (try object(answer)["error"] as? [String: Any])?["code"] as? String
    }

    @Test("an address that sends too many wrong keys is refused with 429 until the minute ends, except for keys already confirmed")
    func failedCredentialsThrottled() async throws {
        let server = try RouteAccessTests.server { $0.authFailuresPerMinute = 3 }
        defer { try? FileManager.default.removeItem(atPath: server.directory) }
        try await server.app.test(.live) { client in
            let port = try #require(client.port)
            let valid = ["Authorization": "Bearer \(try server.developmentKey)"]
            // Good credentials are never counted.
            for _ in 0..<5 {
                #expect(try await RawHTTP.request(port: port, method: "GET", target: "/v1/models", headers: valid).status == 200)
            }
            for attempt in 1...3 {
                let refused = try await RawHTTP.request(port: port, method: "GET", target: "/v1/models",
                                                        headers: ["Authorization": "Bearer sk_guess\(attempt)aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"])
                #expect(refused.status == 401)
            }
            let throttled = try await RawHTTP.request(port: port, method: "GET", target: "/v1/models", headers: ["Authorization": "Bearer sk_x"])
            #expect(throttled.status == 429)
            #expect(try Self.errorCode(throttled) == "too_many_failed_attempts")
            let retryAfter = try #require(throttled.header("retry-after").flatMap(Int.init))
            #expect((1...60).contains(retryAfter))
            // Unknown keys (and the admin API) are refused before any lookup; a key the store
            // confirmed before still works, so a guesser behind the same proxy locks nobody out.
            #expect(try await RawHTTP.request(port: port, method: "GET", target: "/v1/models", headers: valid).status == 200)
            let never = try await RawHTTP.request(port: port, method: "GET", target: "/v1/models",
                                                  headers: ["Authorization": "Bearer sk_\(String(repeating: "Q", count: 43))"])
            #expect(never.status == 429)
            #expect(try await RawHTTP.request(port: port, method: "GET", target: "/v1/admin/orgs", headers: Self.admin).status == 429)
            // Open routes stay open.
            #expect(try await RawHTTP.request(port: port, method: "GET", target: "/health").status == 200)
            let metrics = try await RawHTTP.request(port: port, method: "GET", target: "/metrics")
            #expect(metrics.body.contains(#"smally_auth_throttled_total{access="api_key"}"#))
        }
    }

    @Test("failed admin tokens are throttled and counted too")
    func failedAdminTokensThrottled() async throws {
        let server = try RouteAccessTests.server { $0.authFailuresPerMinute = 2 }
        defer { try? FileManager.default.removeItem(atPath: server.directory) }
        try await server.app.test(.live) { client in
            let port = try #require(client.port)
            #expect(try await RawHTTP.request(port: port, method: "GET", target: "/v1/admin/orgs", headers: Self.admin).status == 200)
            for _ in 0..<2 {
                #expect(try await RawHTTP.request(port: port, method: "GET", target: "/v1/admin/orgs",
                                                  headers: ["Authorization": "Bearer not-the-token"]).status == 401)
            }
            #expect(try await RawHTTP.request(port: port, method: "GET", target: "/v1/admin/orgs", headers: Self.admin).status == 429)
            let metrics = try await RawHTTP.request(port: port, method: "GET", target: "/metrics")
            #expect(metrics.body.contains("smally_admin_auth_failures_total 2"))
            #expect(metrics.body.contains(#"smally_auth_throttled_total{access="admin_token"} 1"#))
        }
    }

    @Test("a connection idle between requests, or stalled inside one, is closed after IDLE_TIMEOUT")
    func idleTimeout() async throws {
        let server = try RouteAccessTests.server { $0.idleTimeoutSeconds = 1 }
        defer { try? FileManager.default.removeItem(atPath: server.directory) }
        try await server.app.test(.live) { client in
            let port = try #require(client.port)
            // Half a request, then nothing (a slow-loris client).
            let stalled = try await RawHTTP.offPool {
                let connection = try RawHTTPConnection(port: port, receiveTimeout: .seconds(15))
                defer { connection.close() }
                try connection.send("POST /v1/embed HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"text\"")
                let started = ContinuousClock.now
                let answer = connection.readToEnd()
                return (answer, ContinuousClock.now - started)
            }
            #expect(stalled.0 != nil, "the server kept a stalled request open past the receive timeout")
            #expect(stalled.1 < .seconds(10))  // 1 s idle timeout; the rest is slack for a loaded CI machine
            // A kept-alive connection: answered, then closed when idle.
            let kept = try await RawHTTP.offPool {
                let connection = try RawHTTPConnection(port: port, receiveTimeout: .seconds(15))
                defer { connection.close() }
                try connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                let started = ContinuousClock.now
                let answer = connection.readToEnd()
                return (answer, ContinuousClock.now - started)
            }
            #expect(kept.0?.hasPrefix("HTTP/1.1 200") == true)
            #expect(kept.1 < .seconds(10))
        }
    }

    @Test("beyond MAX_CONNECTIONS a new connection waits until one closes")
    func connectionLimit() async throws {
        // HummingbirdTesting's live mode rebuilds the listener's configuration without the
        // connection limit, so this test runs the application itself.
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let server = try RouteAccessTests.server({ $0.maxConnections = 2 }, onServerRunning: { portSink.yield($0) })
        defer { try? FileManager.default.removeItem(atPath: server.directory) }
        let serviceGroup = ServiceGroup(services: [server.app], gracefulShutdownSignals: [], logger: RouteAccessTests.quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await serviceGroup.run() }
            defer { Task { await serviceGroup.triggerGracefulShutdown() } }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let outcome = try await RawHTTP.offPool { () -> (beforeClose: String?, afterClose: String?) in
                let held = try (0..<2).map { _ in try RawHTTPConnection(port: port) }
                // Both held connections are accepted and served: each answers one request.
                for connection in held {
                    try connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                }
                Thread.sleep(forTimeInterval: 0.3)
                let third = try RawHTTPConnection(port: port, receiveTimeout: .seconds(1))
                defer { third.close() }
                try third.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                let before = third.readToEnd()
                for connection in held { connection.close() }
                var after: String?
                for _ in 0..<8 where after == nil { after = third.readToEnd() }
                return (before, after)
            }
            #expect(outcome.beforeClose == nil, "a third connection was served while two were open: \(outcome.beforeClose ?? "")")
            #expect(outcome.afterClose?.hasPrefix("HTTP/1.1 200") == true)
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    @Test("ADMIN_PORT serves the admin API on its own listener and takes it off the public one")
    func adminPort() async throws {
        let adminPort = try Self.freePort()
        let server = try RouteAccessTests.server { $0.adminPort = adminPort }
        defer { try? FileManager.default.removeItem(atPath: server.directory) }
        #expect(!server.routes.contains { $0.access == .adminToken })
        try await server.app.test(.live) { client in
            let port = try #require(client.port)
            #expect(try await RawHTTP.request(port: port, method: "GET", target: "/v1/admin/orgs", headers: Self.admin).status == 404)
            let answer = try await Self.retryingConnect { try await RawHTTP.request(port: adminPort, method: "GET", target: "/v1/admin/orgs", headers: Self.admin) }
            #expect(answer.status == 200)
            #expect(try await RawHTTP.request(port: adminPort, method: "GET", target: "/v1/admin/orgs").status == 401)
            #expect(try await RawHTTP.request(port: adminPort, method: "PUT", target: "/v1/admin/orgs").status == 401)
            #expect(try await RawHTTP.request(port: adminPort, method: "PUT", target: "/v1/admin/orgs", headers: Self.admin).status == 405)
            #expect(try await RawHTTP.request(port: adminPort, method: "POST", target: "/v1/embed", headers: Self.admin,
                                              body: #"{"text": "hi"}"#).status == 404)
        }
    }

    @Test("out-of-range admin input is a 400 naming the field, and the server keeps serving")
    func adminInputBounded() async throws {
        let server = try RouteAccessTests.server()
        defer { try? FileManager.default.removeItem(atPath: server.directory) }
        try await server.app.test(.live) { client in
            let port = try #require(client.port)
            let cases: [(String, String, String?)] = [
                ("POST", "/v1/admin/keys", #"{"org": "default", "expires_in": "999999999999d"}"#),
                ("POST", "/v1/admin/keys", #"{"org": "default", "expires_in": "-5d"}"#),
                ("POST", "/v1/admin/keys", #"{"org": "default", "expires_in": "9223372036854775807s"}"#),
                ("POST", "/v1/admin/keys", #"{"org": "default", "expires_in": ""}"#),
                ("POST", "/v1/admin/keys", #"{"org": "default", "name": "bell\u0007\u001b[31m"}"#),
                ("POST", "/v1/admin/keys", #"{"org": "default", "expires_in": 5}"#),
                ("POST", "/v1/admin/orgs", #"{"name": "big", "tier": "free", "monthly_quota": 1e300}"#),
                ("POST", "/v1/admin/orgs", #"{"name": "neg", "tier": "free", "per_minute": -1}"#),
                ("POST", "/v1/admin/orgs", #"{"name": "huge", "tier": "free", "monthly_quota": 9223372036854775807}"#),
                ("PATCH", "/v1/admin/orgs/default", #"{"monthly_quota": -7}"#),
                ("PATCH", "/v1/admin/orgs/default", #"{"tier": "platinum"}"#),
                ("GET", "/v1/admin/usage?org=default&month=99999-99", nil),
                ("GET", "/v1/admin/usage?month=2026-13", nil),
            ]
            for (method, target, body) in cases {
                let answer = try await RawHTTP.request(port: port, method: method, target: target, headers: Self.admin, body: body)
                #expect(answer.status == 400, "\(method) \(target) \(body ?? "") answered \(answer.status): \(answer.body.prefix(200))")
                #expect(try Self.object(answer)["error"] != nil)
                #expect(try await RawHTTP.request(port: port, method: "GET", target: "/health").status == 200)
            }
            let rotated = try await RawHTTP.request(port: port, method: "POST", target: "/v1/admin/keys", headers: Self.admin,
                                                    body: #"{"org": "default", "expires_in": "30d"}"#)
            #expect(rotated.status == 201)
            let id = try #require(try Self.object(rotated)["id"] as? String)
            let badGrace = try await RawHTTP.request(port: port, method: "POST", target: "/v1/admin/keys/\(id)/rotate", headers: Self.admin,
                                                     body: #"{"grace": "999999999999d"}"#)
            #expect(badGrace.status == 400)
        }
    }

    @Test("with CACHE_SCOPE=organization one organization's cache hits never show another's texts; shared shares them")
    func cacheScope() async throws {
        for scope in [CacheScope.organization, .shared] {
            let server = try RouteAccessTests.server { $0.cacheScope = scope }
            defer { try? FileManager.default.removeItem(atPath: server.directory) }
            try await server.app.test(.live) { client in
                let port = try #require(client.port)
                let keyA = ["Authorization": "Bearer \(try server.developmentKey)"]
                #expect(try await RawHTTP.request(port: port, method: "POST", target: "/v1/admin/orgs", headers: Self.admin,
                                                  body: #"{"name": "other", "tier": "free"}"#).status == 201)
                let created = try await RawHTTP.request(port: port, method: "POST", target: "/v1/admin/keys", headers: Self.admin,
                                                        body: #"{"org": "other"}"#)
                let keyB = ["Authorization": "Bearer \(try #require(try Self.object(created)["key"] as? String))"]
                let text = #"{"text": "a private board memo \#(UInt32.random(in: 0...UInt32.max))"}"#
                func embed(_ key: [String: String]) async throws -> (cache: String?, cached: Bool?, vector: [Double]) {
                    let answer = try await RawHTTP.request(port: port, method: "POST", target: "/v1/embed", headers: key, body: text)
                    #expect(answer.status == 200)
                    let object = try Self.object(answer)
                    return (answer.header("x-cache"), object["cached"] as? Bool, object["embedding"] as? [Double] ?? [])
                }
                let first = try await embed(keyA)
                #expect(first.cache == "miss" && first.cached == false)
                let other = try await embed(keyB)
                if scope == .organization {
                    #expect(other.cache == "miss" && other.cached == false)
                } else {
                    #expect(other.cache == "hit-l1" && other.cached == true)
                }
                #expect(other.vector == first.vector && first.vector.count == 384)
                let again = try await embed(keyA)
                #expect(again.cache == "hit-l1" && again.cached == true && again.vector == first.vector)
            }
        }
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The second listener starts with the services, a moment after the main one.
    static func retryingConnect<T>(_ body: () async throws -> T) async throws -> T {
        var lastError: (any Error)?
        for _ in 0..<50 {
            do { return try await body() } catch { lastError = error }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw lastError!
    }
}
