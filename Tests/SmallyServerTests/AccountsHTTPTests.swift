import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InMemoryLogging
import Logging
import NIOCore
import SmallyAccounts
import SmallyCache
import SmallyJSON
@testable import SmallyServer
import SmallyTestSupport
import Testing

/// The accounts layer over HTTP: the key middleware, the rate-limit headers, quotas, usage and
/// the admin API, on a router whose `/v1/embed` stand-in charges the quota the way
/// `EmbeddingService` does (so these tests need no model; `AccountsEndToEndTests` uses the real app).
@Suite("accounts over HTTP")
struct AccountsHTTPTests {
    static let adminToken = "test-admin-token-0123456789abcdef0123"

    struct Harness: Sendable {
        let runtime: AccountsRuntime
        let directory: String
        let capture: InMemoryLogHandler
        let clock: Clock

        final class Clock: @unchecked Sendable {
            private let lock = NSLock()
            private var offset: TimeInterval = 0
            var now: Date { lock.withLock { Date().addingTimeInterval(offset) } }
            func advance(_ seconds: TimeInterval) { lock.withLock { offset += seconds } }
        }

        var logger: Logger {
            var logger = Logger(label: "accounts-http-test") { _ in capture }
            logger.logLevel = .trace
            return logger
        }

        /// The router: error middleware, accounts, a stand-in embed route and the open routes.
        func app() -> some ApplicationProtocol {
            let router = Router(context: AppRequestContext.self)
            router.add(middleware: ErrorAndRequestIDMiddleware(metrics: nil))
            let routes = AccessRouter(router: router, keyCheck: runtime.keyCheck, adminCheck: runtime.adminCheck)
            runtime.install(on: routes)
            routes.get("/health") { _, _ in "ok" }
            routes.get("/v1/models") { _, _ in "models" }
            // {"n": k, "text": "..."}: k embeddings, 3 tokens each, the first one a cache hit.
            routes.post("/v1/embed") { request, context in
                let body = try await JSONBody.fields(from: request, limit: 1 << 16)
                guard let n = try body.int("n") else { throw APIError.invalidRequest("'n' is required.", param: "n", code: "missing_field") }
                try await context.meter?.admit(embeddings: n)
                if try body.string("text") == "fail" { throw APIError.overloaded(retryAfterSeconds: 1) }
                context.meter?.served(embeddings: n, tokens: 3 * n, cacheHits: 1, model: "stub-model")
                return "embedded"
            }
            var app = Application(router: router, services: [runtime.storeService, runtime.recorder], logger: logger)
            let runtime = self.runtime
            app.beforeServerStarts { try await runtime.prepare() }
            return app
        }

        var store: SQLiteAccountStore { SQLiteAccountStore(path: directory + "/smally.sqlite", logger: logger) }
    }

    static func harness(redis: RedisClient? = nil, revalidateAfter: Duration = .seconds(2)) throws -> Harness {
        let directory = NSTemporaryDirectory() + "smally-accounts-http-\(UInt64.random(in: 0...UInt64.max))"
        let capture = InMemoryLogHandler()
        let clock = Harness.Clock()
        var settings = AccountsSettings()
        settings.dataDirectory = directory
        var options = AccountsRuntime.Options()
        options.usageFlushInterval = .milliseconds(100)
        options.keyRevalidateAfter = revalidateAfter
        options.quotaNamespace = "smally:test:http:\(UInt64.random(in: 0...UInt64.max))"
        options.now = { clock.now }
        options.announceDevelopmentKey = { _, _ in }
        var logger = Logger(label: "accounts-http-test") { _ in capture }
        logger.logLevel = .trace
        let runtime = try AccountsRuntime(settings: settings, adminToken: adminToken, redis: redis, options: options, logger: logger)
        return Harness(runtime: runtime, directory: directory, capture: capture, clock: clock)
    }

    static func bearer(_ key: String) -> HTTPFields {
        [.authorization: "Bearer \(key)", .contentType: "application/json"]
    }

    static func embed(_ client: some TestClientProtocol, key: String?, n: Int = 1, text: String = "hello") async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let key { headers[.authorization] = "Bearer \(key)" }
        return try await client.execute(uri: "/v1/embed", method: .post, headers: headers,
                                        body: ByteBuffer(string: #"{"n": \#(n), "text": "\#(text)"}"#))
    }

    static func error(_ response: TestResponse) throws -> (code: String?, type: String?, message: String?) {
        let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
        let error = try #require(object?["error"] as? [String: Any])
        #expect(error.keys.sorted() == ["code", "message", "param", "type"])
        return (error["code"] as? String, error["type"] as? String, error["message"] as? String)
    }

    @Test("open routes stay open; every bad key gets the same 401")
    func authentication() async throws {
        let harness = try Self.harness()
        let admin = harness.runtime.admin
        try await harness.app().test(.router) { client in
            _ = try await admin.createOrganization(name: "acme", tier: .free)
            let good = try await admin.createKey(organization: "acme")
            let revoked = try await admin.createKey(organization: "acme")
            _ = try await admin.revokeKey(id: revoked.record.id)
            let expired = try await admin.createKey(organization: "acme", expiresIn: 1)
            harness.clock.advance(2)

            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            #expect(try await Self.embed(client, key: good.secret).status == .ok)
            var bodies = Set<String>()
            for key in [nil, "", "sk_short", "Basic abc", APIKeyFormat().generate().key, revoked.secret, expired.secret] {
                let response = try await Self.embed(client, key: key)
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                #expect(try Self.error(response).code == "invalid_api_key")
                bodies.insert(String(buffer: response.body))
            }
            #expect(bodies.count == 1)  // one message whatever the reason
            let models = try await client.execute(uri: "/v1/models", method: .get)
            #expect(models.status == .unauthorized)
            #expect(try await client.execute(uri: "/v1/models", method: .get, headers: Self.bearer(good.secret)).status == .ok)
            let adminWithoutToken = try await client.execute(uri: "/v1/admin/orgs", method: .get)
            #expect(try adminWithoutToken.status == .unauthorized && (Self.error(adminWithoutToken).code) == "invalid_admin_token")
            let adminWithKey = try await client.execute(uri: "/v1/admin/orgs", method: .get, headers: Self.bearer(good.secret))
            #expect(adminWithKey.status == .unauthorized)
        }
    }

    @Test("rate-limit headers on every authenticated response")
    func headers() async throws {
        let harness = try Self.harness()
        let admin = harness.runtime.admin
        try await harness.app().test(.router) { client in
            _ = try await admin.createOrganization(name: "acme", tier: .free)
            let key = try await admin.createKey(organization: "acme")
            let response = try await Self.embed(client, key: key.secret, n: 4)
            #expect(response.status == .ok)
            let now = harness.clock.now
            #expect(response.headers[.rateLimitLimitRequests] == "60")
            #expect(response.headers[.rateLimitRemainingRequests] == "59")
            let reset = try #require(response.headers[.rateLimitResetRequests])
            let seconds = try #require(Int(reset.dropLast()))
            #expect(reset.hasSuffix("s") && (1...60).contains(seconds))
            #expect(response.headers[.rateLimitLimit] == "20000")
            #expect(response.headers[.rateLimitRemaining] == "19996")
            #expect(response.headers[.rateLimitReset] == String(Int(QuotaPeriod.month(containing: now).end.timeIntervalSince1970)))
            // Routes that embed nothing carry them too, and an error after admission gives the quota back.
            let models = try await client.execute(uri: "/v1/models", method: .get, headers: Self.bearer(key.secret))
            #expect(models.headers[.rateLimitRemaining] == "19996" && models.headers[.rateLimitRemainingRequests] == "58")
            let failed = try await Self.embed(client, key: key.secret, n: 5, text: "fail")
            #expect(try failed.status == .tooManyRequests && (Self.error(failed).code) == "server_overloaded")
            #expect(failed.headers[.rateLimitRemaining] == "19996")
            let invalid = try await client.execute(uri: "/v1/embed", method: .post, headers: Self.bearer(key.secret), body: ByteBuffer(string: "{}"))
            #expect(invalid.status == .badRequest && invalid.headers[.rateLimitLimit] == "20000")
        }
    }

    /// 400 concurrent one-text requests against 250 remaining: exactly 250 succeed, in process and with Redis.
    @Test("quota exactness under concurrency", arguments: [false, true])
    func quotaExactness(redis: Bool) async throws {
        let body: @Sendable (Harness) async throws -> Void = { harness in
            let admin = harness.runtime.admin
            try await harness.app().test(.router) { client in
                _ = try await admin.createOrganization(name: "acme", tier: .free, monthlyQuota: 300, requestsPerMinute: 100_000)
                let key = try await admin.createKey(organization: "acme")
                #expect(try await Self.embed(client, key: key.secret, n: 50).status == .ok)  // 250 left
                let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                    for _ in 0..<400 {
                        group.addTask {
                            let response = try await Self.embed(client, key: key.secret)
                            return (response.status, response.status == .ok ? nil : try Self.error(response).code)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.filter { $0.0 == .ok }.count == 250)
                #expect(statuses.filter { $0.0 == .tooManyRequests && $0.1 == "quota_exceeded" }.count == 150)
                let refused = try await Self.embed(client, key: key.secret)
                #expect(refused.status == .tooManyRequests && refused.headers[.rateLimitRemaining] == "0")
                let retryAfter = try #require(refused.headers[.retryAfter].flatMap(Int.init))
                let monthEnd = QuotaPeriod.month(containing: harness.clock.now).end
                #expect(abs(Double(retryAfter) - monthEnd.timeIntervalSince(harness.clock.now)) < 5)
                #expect(try Self.error(refused).message?.contains(JSONValue.format(monthEnd)) == true)
            }
            // After the graceful shutdown every served request is in the store.
            let store = harness.store
            let org = try #require(try await store.organization(named: "acme"))
            let month = QuotaPeriod.month(containing: harness.clock.now)
            let totals = try await store.usage(organizationID: org.id, from: month.start, to: month.end).reduce(UsageCounts.zero) { $0 + $1.counts }
            #expect(totals.embeddings == 300)
            #expect(totals.requests == 402)  // 251 served + 151 refused by the quota (all passed the per-minute limit)
            #expect(totals.tokens == 900 && totals.cacheHits == 251)
            try await store.close()
        }
        if redis {
            guard let url = ProcessInfo.processInfo.environment["REDIS_URL"], !url.isEmpty else {
                if ProcessInfo.processInfo.environment["SMALLY_SKIP_DB_TESTS"] == "1" || RedisTestEnvironment.skip { return }
                throw RedisTestEnvironment.Missing()
            }
            var configuration = try RedisConfiguration(url: url)
            configuration.commandTimeout = .seconds(2)
            let client = RedisClient(configuration: configuration, logger: Logger(label: "redis"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await client.run() }
                defer { group.cancelAll() }
                try await waitUntil("Redis connected", within: .seconds(30)) { client.isConnected }
                try await body(try Self.harness(redis: client))
            }
        } else {
            try await body(try Self.harness())
        }
    }

    @Test("per-minute limit per key, and its reset")
    func perMinuteLimit() async throws {
        let harness = try Self.harness()
        let admin = harness.runtime.admin
        try await harness.app().test(.router) { client in
            _ = try await admin.createOrganization(name: "acme", tier: .free, requestsPerMinute: 3)
            let key = try await admin.createKey(organization: "acme")
            let other = try await admin.createKey(organization: "acme")
            for remaining in [2, 1, 0] {
                let response = try await Self.embed(client, key: key.secret)
                #expect(response.status == .ok && response.headers[.rateLimitRemainingRequests] == String(remaining))
            }
            let limited = try await Self.embed(client, key: key.secret)
            #expect(limited.status == .tooManyRequests)
            #expect(try Self.error(limited).code == "rate_limit_exceeded")
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap(Int.init))
            #expect((1...60).contains(retryAfter))
            #expect(limited.headers[.rateLimitRemainingRequests] == "0" && limited.headers[.rateLimitLimitRequests] == "3")
            #expect(limited.headers[.rateLimitRemaining] == "19997")
            // The embedding routes count the minute in their quota admission; a request that ends
            // before it (a malformed body) is counted all the same, and refused first when over.
            var malformed: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(key.secret)"]
            let refusedFirst = try await client.execute(uri: "/v1/embed", method: .post, headers: malformed, body: ByteBuffer(string: "{}"))
            #expect(try refusedFirst.status == .tooManyRequests && Self.error(refusedFirst).code == "rate_limit_exceeded")
            #expect(try await Self.embed(client, key: other.secret).status == .ok)  // per key
            malformed[.authorization] = "Bearer \(other.secret)"
            let counted = try await client.execute(uri: "/v1/embed", method: .post, headers: malformed, body: ByteBuffer(string: "{}"))
            #expect(counted.status == .badRequest && counted.headers[.rateLimitRemainingRequests] == "1")
            #expect(try await Self.embed(client, key: other.secret).headers[.rateLimitRemainingRequests] == "0")
            harness.clock.advance(Double(retryAfter))
            #expect(try await Self.embed(client, key: key.secret).status == .ok)
        }
    }

    @Test("GET /v1/usage shows the caller's organization, the admin API manages keys")
    func usageAndAdmin() async throws {
        let harness = try Self.harness()
        let admin: HTTPFields = [.authorization: "Bearer \(Self.adminToken)", .contentType: "application/json"]
        let secrets = SecretList()
        try await harness.app().test(.router) { client in
            let created = try await client.execute(uri: "/v1/admin/orgs", method: .post, headers: admin,
                                                   body: ByteBuffer(string: #"{"name": "acme", "tier": "pro"}"#))
            #expect(created.status == .created)
            let duplicate = try await client.execute(uri: "/v1/admin/orgs", method: .post, headers: admin,
                                                     body: ByteBuffer(string: #"{"name": "acme", "tier": "pro"}"#))
            #expect(duplicate.status == .conflict)
            let keyResponse = try await client.execute(uri: "/v1/admin/keys", method: .post, headers: admin,
                                                       body: ByteBuffer(string: #"{"org": "acme", "name": "ci", "expires_in": "30d"}"#))
            #expect(keyResponse.status == .created)
            let key = try #require(try JSONSerialization.jsonObject(with: Data(keyResponse.body.readableBytesView)) as? [String: Any])
            let secret = try #require(key["key"] as? String)
            let id = try #require(key["id"] as? String)
            secrets.append(secret)
            #expect(key["org"] as? String == "acme" && (key["prefix"] as? String).map { secret.hasPrefix($0) } == true)

            for n in [1, 2, 3] { #expect(try await Self.embed(client, key: secret, n: n).status == .ok) }
            let usage = try await client.execute(uri: "/v1/usage", method: .get, headers: Self.bearer(secret))
            #expect(usage.status == .ok)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(usage.body.readableBytesView)) as? [String: Any])
            let totals = try #require(report["totals"] as? [String: Any])
            #expect(report["org"] as? String == "acme")
            #expect(totals["embeddings"] as? Int == 6 && totals["requests"] as? Int == 3)  // written or still buffered
            #expect((report["quota"] as? [String: Any])?["limit"] as? Int == 100_000)

            let tier = try await client.execute(uri: "/v1/admin/orgs/acme", method: .patch, headers: admin,
                                                body: ByteBuffer(string: #"{"tier": "scale", "per_minute": 5}"#))
            #expect(tier.status == .ok)
            let listed = try await client.execute(uri: "/v1/admin/keys?org=acme", method: .get, headers: admin)
            #expect(!String(buffer: listed.body).contains(secret) && String(buffer: listed.body).contains(id))

            let rotated = try await client.execute(uri: "/v1/admin/keys/\(id)/rotate", method: .post, headers: admin,
                                                   body: ByteBuffer(string: #"{"grace": "1h"}"#))
            #expect(rotated.status == .ok)
            let newSecret = try #require((try JSONSerialization.jsonObject(with: Data(rotated.body.readableBytesView)) as? [String: Any])?["key"] as? String)
            secrets.append(newSecret)
            #expect(try await Self.embed(client, key: secret).status == .ok)  // grace period
            #expect(try await Self.embed(client, key: newSecret).status == .ok)
            let revoked = try await client.execute(uri: "/v1/admin/keys/\(id)/revoke", method: .post, headers: admin)
            #expect(revoked.status == .ok)
            #expect(try await Self.embed(client, key: secret).status == .unauthorized)  // this node: at once
            #expect(try await client.execute(uri: "/v1/admin/keys/key_nope/revoke", method: .post, headers: admin).status == .notFound)
            let adminUsage = try await client.execute(uri: "/v1/admin/usage?org=acme", method: .get, headers: admin)
            #expect(adminUsage.status == .ok && String(buffer: adminUsage.body).contains("\"object\":\"usage\""))
        }
        // No key and no request text in the logs.
        let text = harness.capture.entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!text.isEmpty)
        #expect(!text.contains(Self.adminToken))
        for secret in secrets.all {
            #expect(!text.contains(secret) && !text.contains(APIKeyFormat.hash(secret)))
        }
        #expect(secrets.all.count == 2)
    }

    @Test("a key revoked on one node stops working on another within 5 s")
    func revocationAcrossNodes() async throws {
        let harness = try Self.harness()
        // A second node on the same (embedded) store.
        var settings = AccountsSettings()
        settings.dataDirectory = harness.directory
        let nodeB = try AccountsRuntime(settings: settings, adminToken: nil, redis: nil, logger: Logger(label: "node-b"))
        let admin = harness.runtime.admin
        try await harness.app().test(.router) { client in
            _ = try await admin.createOrganization(name: "acme", tier: .free)
            let key = try await admin.createKey(organization: "acme")
            let routerB = Router(context: AppRequestContext.self)
            routerB.add(middleware: ErrorAndRequestIDMiddleware(metrics: nil))
            let routesB = AccessRouter(router: routerB, keyCheck: nodeB.keyCheck, adminCheck: nodeB.adminCheck)
            nodeB.install(on: routesB)
            routesB.get("/v1/models") { _, _ in "models" }
            try await Application(router: routerB, services: [nodeB.storeService, nodeB.recorder]).test(.router) { clientB in
                #expect(try await clientB.execute(uri: "/v1/models", method: .get, headers: Self.bearer(key.secret)).status == .ok)
                _ = try await admin.revokeKey(id: key.record.id)  // on node A
                #expect(try await client.execute(uri: "/v1/models", method: .get, headers: Self.bearer(key.secret)).status == .unauthorized)
                let took = try await waitUntil("node B refuses the key", within: .seconds(5)) {
                    (try? await clientB.execute(uri: "/v1/models", method: .get, headers: Self.bearer(key.secret)).status) == .unauthorized
                }
                #expect(took < .seconds(5))
            }
        }
    }
}

final class SecretList: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String] = []
    func append(_ value: String) { lock.withLock { values.append(value) } }
    var all: [String] { lock.withLock { values } }
}
