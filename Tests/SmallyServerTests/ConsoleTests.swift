import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InMemoryLogging
import Logging
import NIOCore
import Prometheus
import SmallyAccounts
@testable import SmallyServer
import Testing

/// The web console over HTTP on the real application (real store, real embed route): every page
/// and form, happy paths and refusals, isolation between organizations, session fixation and the
/// cookie's flags.
@Suite("web console")
struct ConsoleTests {
    static let admin: HTTPFields = [.authorization: "Bearer \(RouteAccessTests.adminToken)", .contentType: "application/json"]

    /// Creates an organization and a key through the admin API; returns (key secret, key id).
    static func makeKey(_ client: some TestClientProtocol, org: String, role: String, create: Bool = true) async throws -> (String, String) {
        if create {
            _ = try await client.execute(uri: "/v1/admin/orgs", method: .post, headers: admin,
                                         body: ByteBuffer(string: #"{"name": "\#(org)", "tier": "free"}"#))
        }
        let response = try await client.execute(uri: "/v1/admin/keys", method: .post, headers: admin,
                                                body: ByteBuffer(string: #"{"org": "\#(org)", "name": "\#(role)-key", "role": "\#(role)"}"#))
        #expect(response.status == .created)
        let object = try ServerTestSupport.object(response)
        #expect(object["role"] as? String == role)
        return (try #require(object["key"] as? String), try #require(object["id"] as? String))
    }

    static func embed(_ client: some TestClientProtocol, key: String) async throws -> HTTPResponse.Status {
        try await client.execute(uri: "/v1/embed", method: .post, headers: [.authorization: "Bearer \(key)", .contentType: "application/json"],
                                 body: ByteBuffer(string: #"{"texts": ["console test one", "console test two"]}"#)).status
    }

    static func withServer(_ adjust: @escaping (inout ServerConfiguration) -> Void = { _ in },
                           _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let server = try RouteAccessTests.server(adjust)
        defer { try? FileManager.default.removeItem(atPath: server.directory) }
        try await server.app.test(.live) { client in try await body(client) }
    }

    @Test("an admin key signs in: cookie flags, overview with chart and quota, keys page with roles")
    func signInAndPages() async throws {
        try await Self.withServer { client in
            let (secret, keyID) = try await Self.makeKey(client, org: "acme", role: "admin")
            let browser = ConsoleBrowser(client)
            #expect(try await browser.get("/console").headers[.location] == "/console/sign-in")
            let form = try await browser.get("/console/sign-in")
            #expect(form.status == .ok && form.headers[.contentType] == "text/html; charset=utf-8")
            #expect(form.text.contains(#"<label for="credential">"#) && form.headers[.contentSecurityPolicy] != nil)
            let signIn = try await browser.signIn(secret)
            #expect(signIn.status == .seeOther && signIn.headers[.location] == "/console")
            let cookie = try #require(browser.setCookies.first { $0.hasPrefix("smally_session=") && !$0.contains("Max-Age=0") })
            for flag in ["HttpOnly", "SameSite=Strict", "Path=/console", "Max-Age=43200"] { #expect(cookie.contains(flag), "\(cookie)") }
            #expect(!cookie.contains("Secure"), "not configured, not over TLS")
            #expect(!signIn.text.contains(secret) && !cookie.contains(secret))

            #expect(try await browser.get("/console").headers[.location] == "/console/orgs/acme")
            #expect(try await browser.get("/console/orgs").headers[.location] == "/console/orgs/acme", "an organization's admin has no list")
            #expect(try await Self.embed(client, key: secret) == .ok)
            let overview = try await browser.get("/console/orgs/acme")
            #expect(overview.status == .ok)
            let html = overview.text
            for part in ["<h1>acme", "<svg class=\"chart\"", "Embeddings per day", "of 20,000", "Cache-hit rate", "60 requests/min",
                         "<rect class=\"bar\"", "<table>", "Signed in as admin-key"] {
                #expect(html.contains(part), "overview lacks \(part)")
            }
            #expect(!html.contains("Tier and limits"), "only the operator changes limits")
            #expect(overview.headers[.cacheControl] == "no-store" && overview.headers[.xFrameOptions] == "DENY")
            let keys = try await browser.get("/console/orgs/acme/keys")
            #expect(keys.status == .ok && keys.text.contains(keyID) && keys.text.contains("<td>admin</td>"))
            #expect(!keys.text.contains(secret), "a key is never shown again")
            #expect(try await browser.get("/console/style.css").headers[.contentType] == "text/css; charset=utf-8")
        }
    }

    @Test("cookies are Secure when configured, or when the request came over TLS")
    func secureCookies() async throws {
        try await Self.withServer({ $0.consoleSecureCookies = true }) { client in
            let (secret, _) = try await Self.makeKey(client, org: "acme", role: "admin")
            let browser = ConsoleBrowser(client)
            try await browser.signIn(secret)
            #expect(browser.setCookies.allSatisfy { $0.contains("; Secure") }, "\(browser.setCookies)")
        }
        try await Self.withServer { client in
            let (secret, _) = try await Self.makeKey(client, org: "acme", role: "admin")
            let browser = ConsoleBrowser(client)
            browser.headers[.xForwardedProto] = "https"
            try await browser.signIn(secret)
            #expect(browser.setCookies.contains { $0.hasPrefix("smally_session=") && $0.contains("; Secure") })
        }
    }

    @Test("sign-in refusals: wrong key, embed key, revoked key, missing or wrong CSRF token")
    func signInRefusals() async throws {
        try await Self.withServer { client in
            let (embedKey, _) = try await Self.makeKey(client, org: "acme", role: "embed")
            let (adminKey, adminID) = try await Self.makeKey(client, org: "acme", role: "admin", create: false)
            for credential in ["", "sk_wrong", APIKeyFormat().generate().key, embedKey, "wrong-\(RouteAccessTests.adminToken)"] {
                let browser = ConsoleBrowser(client)
                let answer = try await browser.signIn(credential)
                #expect(answer.status == .unauthorized, "\(credential.prefix(8)) answered \(answer.status)")
                #expect(browser.cookies["smally_session"] == nil)
                #expect(answer.text.contains("not accepted") && (credential.isEmpty || !answer.text.contains(credential)))
            }
            // CSRF: no token, a wrong one, or no cookie to match it.
            let browser = ConsoleBrowser(client)
            let form = try await browser.get("/console/sign-in")
            let token = try #require(ConsoleBrowser.csrf(form))
            #expect(try await browser.post("/console/sign-in", [("credential", adminKey)]).status == .forbidden)
            #expect(try await browser.post("/console/sign-in", [("csrf", (token.first == "A" ? "B" : "A") + token.dropFirst()), ("credential", adminKey)]).status == .forbidden)
            browser.set(cookie: "smally_signin", nil)
            #expect(try await browser.post("/console/sign-in", [("csrf", token), ("credential", adminKey)]).status == .forbidden)
            #expect(browser.cookies["smally_session"] == nil)
            // A revoked admin key.
            _ = try await client.execute(uri: "/v1/admin/keys/\(adminID)/revoke", method: .post, headers: Self.admin)
            #expect(try await ConsoleBrowser(client).signIn(adminKey).status == .unauthorized)
        }
    }

    @Test("failed sign-ins are throttled per address")
    func signInThrottle() async throws {
        try await Self.withServer({ $0.authFailuresPerMinute = 3 }) { client in
            let browser = ConsoleBrowser(client)
            for _ in 0..<3 { #expect(try await browser.signIn("sk_wrong").status == .unauthorized) }
            let throttled = try await browser.signIn("sk_wrong")
            #expect(throttled.status == .tooManyRequests && throttled.headers[.retryAfter] != nil)
        }
    }

    @Test("session forms need the session's CSRF token; a key's session cannot touch another organization")
    func formsAndIsolation() async throws {
        try await Self.withServer { client in
            let (aKey, _) = try await Self.makeKey(client, org: "alpha", role: "admin")
            let (_, bKeyID) = try await Self.makeKey(client, org: "beta", role: "admin")
            let browser = ConsoleBrowser(client)
            try await browser.signIn(aKey)
            let page = try await browser.get("/console/orgs/alpha/keys")
            let token = try #require(ConsoleBrowser.csrf(page))

            // Missing and wrong CSRF tokens change nothing.
            let before = try await client.execute(uri: "/v1/admin/keys?org=alpha", method: .get, headers: Self.admin).text
            #expect(try await browser.post("/console/orgs/alpha/keys", [("name", "x"), ("role", "admin")]).status == .forbidden)
            #expect(try await browser.post("/console/orgs/alpha/keys", [("csrf", (token.first == "A" ? "B" : "A") + token.dropFirst()), ("name", "x")]).status == .forbidden)
            #expect(try await browser.post("/console/sign-out", []).status == .forbidden)
            let after = try await client.execute(uri: "/v1/admin/keys?org=alpha", method: .get, headers: Self.admin).text
            #expect(before.components(separatedBy: "\"api_key\"").count == after.components(separatedBy: "\"api_key\"").count)

            // Another organization's pages and keys, by direct URL: 404, and nothing changes.
            for uri in ["/console/orgs/beta", "/console/orgs/beta/keys", "/console/orgs/beta/keys/\(bKeyID)/revoke",
                        "/console/orgs/alpha/keys/\(bKeyID)/revoke", "/console/orgs/nobody"] {
                let answer = try await browser.get(uri)
                #expect(answer.status == .notFound, "GET \(uri) answered \(answer.status)")
                #expect(!answer.text.contains(bKeyID))
            }
            for uri in ["/console/orgs/beta/keys/\(bKeyID)/revoke", "/console/orgs/alpha/keys/\(bKeyID)/revoke",
                        "/console/orgs/beta/keys/\(bKeyID)/rotate", "/console/orgs/alpha/keys/\(bKeyID)/rotate", "/console/orgs/beta/keys",
                        "/console/orgs/alpha/limits", "/console/orgs/beta/limits"] {
                let answer = try await browser.post(uri, [("csrf", token), ("name", "intruder"), ("tier", "scale")])
                #expect(answer.status == .notFound, "POST \(uri) answered \(answer.status)")
            }
            let beta = try await client.execute(uri: "/v1/admin/keys?org=beta", method: .get, headers: Self.admin).text
            #expect(!beta.contains("\"revoked\"") && !beta.contains("intruder") && beta.components(separatedBy: "\"api_key\"").count == 2)
            for name in ["alpha", "beta"] {
                let org = try ServerTestSupport.object(try await client.execute(uri: "/v1/admin/orgs/\(name)", method: .get, headers: Self.admin))
                #expect(org["tier"] as? String == "free", "a key's admin changed \(name)'s tier")
            }
        }
    }

    @Test("create a key (shown once), use it, see usage, rotate, revoke after confirming, see it refused")
    func keyLifecycle() async throws {
        try await Self.withServer { client in
            let (adminKey, _) = try await Self.makeKey(client, org: "acme", role: "admin")
            let browser = ConsoleBrowser(client)
            try await browser.signIn(adminKey)
            let token = try #require(ConsoleBrowser.csrf(try await browser.get("/console/orgs/acme/keys")))
            let created = try await browser.post("/console/orgs/acme/keys", [("csrf", token), ("name", "svc <b>"), ("role", "embed"), ("expires_in", "30d")])
            #expect(created.status == .ok)
            let html = created.text
            #expect(html.contains("svc &lt;b&gt;") && !html.contains("svc <b>"), "names are escaped")
            let secret = try #require(html.range(of: #"id="new-key" class="secret" readonly value=""#).map { String(html[$0.upperBound...].prefix { $0 != "\"" }) })
            #expect(secret.hasPrefix("sk_") && secret.count == 46)
            #expect(html.contains(#"class="copy-button""#) && html.contains("hidden>Copy"), "the copy button waits for the script")
            #expect(try await Self.embed(client, key: secret) == .ok)
            // Usage moves (read through this node's unwritten usage too).
            let keys = try await browser.get("/console/orgs/acme/keys").text
            #expect(!keys.contains(secret))
            let listed = try ServerTestSupport.object(try await client.execute(uri: "/v1/admin/keys?org=acme", method: .get, headers: Self.admin))
            let entry = try #require((listed["data"] as? [[String: Any]])?.first { $0["name"] as? String == "svc <b>" })
            let keyID = try #require(entry["id"] as? String)
            #expect(entry["role"] as? String == "embed")
            #expect(keys.contains("<td class=\"num\">2</td>"), "the key's two embeddings this month")
            let overview = try await browser.get("/console/orgs/acme").text
            #expect(overview.contains("<strong>2</strong> of 20,000") || overview.contains("<strong>4</strong> of 20,000"))

            // Rotate: a new secret, once; the old one keeps working during the grace period.
            let rotated = try await browser.post("/console/orgs/acme/keys/\(keyID)/rotate", [("csrf", token)])
            #expect(rotated.status == .ok && rotated.text.contains("Rotated key") && rotated.text.contains("keeps working until"))

            // Revoke: a confirmation page first, then the form.
            let confirm = try await browser.get("/console/orgs/acme/keys/\(keyID)/revoke")
            #expect(confirm.status == .ok && confirm.text.contains("Revoke key “svc &lt;b&gt;”?"))
            #expect(try await Self.embed(client, key: secret) == .ok, "a confirmation page changes nothing")
            let revoked = try await browser.post("/console/orgs/acme/keys/\(keyID)/revoke", [("csrf", token)])
            #expect(revoked.status == .ok && revoked.text.contains("is revoked"))
            #expect(try await Self.embed(client, key: secret) == .unauthorized)
        }
    }

    @Test("sign-out ends the session in the store; a planted session id is replaced at sign-in")
    func signOutAndFixation() async throws {
        try await Self.withServer { client in
            let (adminKey, _) = try await Self.makeKey(client, org: "acme", role: "admin")
            // The attacker's own session, planted in the victim's browser before the victim signs in.
            let attacker = ConsoleBrowser(client)
            try await attacker.signIn(adminKey)
            let planted = try #require(attacker.cookies["smally_session"])
            let victim = ConsoleBrowser(client)
            victim.set(cookie: "smally_session", planted)
            try await victim.signIn(adminKey)
            let fresh = try #require(victim.cookies["smally_session"])
            #expect(fresh != planted)
            #expect(try await attacker.get("/console/orgs/acme").status == .seeOther, "the planted id no longer works")
            // A made-up id is never adopted either.
            let guesser = ConsoleBrowser(client)
            guesser.set(cookie: "smally_session", ConsoleSessions.randomToken())
            try await guesser.signIn(adminKey)
            #expect(guesser.cookies["smally_session"] != nil)
            #expect(guesser.setCookies.filter { $0.hasPrefix("smally_session=") && !$0.contains("Max-Age=0") }.count == 1)

            // Sign-out: the cookie is cleared and the old id is refused (the row is gone).
            let token = try #require(ConsoleBrowser.csrf(try await victim.get("/console/orgs/acme")))
            let out = try await victim.post("/console/sign-out", [("csrf", token)])
            #expect(out.status == .seeOther && out.headers[.location] == "/console/sign-in")
            #expect(victim.cookies["smally_session"] == nil)
            victim.set(cookie: "smally_session", fresh)
            let replay = try await victim.get("/console/orgs/acme")
            #expect(replay.status == .seeOther && replay.headers[.location] == "/console/sign-in")
        }
    }

    @Test("an idle session expires")
    func idleExpiry() async throws {
        try await Self.withServer({ $0.consoleSessions = ConsoleSessionSettings(idleTimeout: 1, lifetime: 3_600) }) { client in
            let (adminKey, _) = try await Self.makeKey(client, org: "acme", role: "admin")
            let browser = ConsoleBrowser(client)
            try await browser.signIn(adminKey)
            #expect(try await browser.get("/console/orgs/acme").status == .ok)
            try await Task.sleep(for: .milliseconds(1_600))
            let expired = try await browser.get("/console/orgs/acme")
            #expect(expired.status == .seeOther && expired.headers[.location] == "/console/sign-in")
            #expect(browser.cookies["smally_session"] == nil, "the stale cookie is cleared")
        }
    }

    @Test("the operator signs in with ADMIN_TOKEN: every organization, sortable, and changes tier and limits")
    func operatorPages() async throws {
        try await Self.withServer { client in
            let (aKey, _) = try await Self.makeKey(client, org: "alpha", role: "embed")
            _ = try await Self.makeKey(client, org: "beta", role: "embed")
            #expect(try await Self.embed(client, key: aKey) == .ok)
            let browser = ConsoleBrowser(client)
            #expect(try await browser.signIn(RouteAccessTests.adminToken).status == .seeOther)
            #expect(try await browser.get("/console").headers[.location] == "/console/orgs")
            let list = try await browser.get("/console/orgs?sort=used&order=desc").text
            let alpha = try #require(list.range(of: ">alpha</a>")), beta = try #require(list.range(of: ">beta</a>"))
            #expect(alpha.lowerBound < beta.lowerBound, "alpha used more")
            #expect(list.contains(#"aria-sort="descending""#))
            let byName = try await browser.get("/console/orgs?sort=name&order=desc").text
            #expect(try #require(byName.range(of: ">beta</a>")).lowerBound < #require(byName.range(of: ">alpha</a>")).lowerBound)

            let page = try await browser.get("/console/orgs/beta")
            #expect(page.status == .ok && page.text.contains("Tier and limits"))
            let token = try #require(ConsoleBrowser.csrf(page))
            let saved = try await browser.post("/console/orgs/beta/limits", [("csrf", token), ("tier", "pro"), ("monthly_quota", "500"), ("per_minute", "")])
            #expect(saved.status == .seeOther)
            let org = try ServerTestSupport.object(try await client.execute(uri: "/v1/admin/orgs/beta", method: .get, headers: Self.admin))
            #expect(org["tier"] as? String == "pro" && org["monthly_quota"] as? Int == 500 && org["requests_per_minute"] as? Int == 600)
            #expect(try await browser.post("/console/orgs/beta/limits", [("csrf", token), ("monthly_quota", "lots")]).status == .badRequest)
            #expect(try await browser.post("/console/orgs/beta/limits", [("tier", "scale")]).status == .forbidden)
        }
    }

    @Test("with ADMIN_PORT the operator signs in on the admin listener only")
    func operatorOnlyWhereAdminIs() async throws {
        let adminPort = try HardeningTests.freePort()
        try await Self.withServer({ $0.adminPort = adminPort }) { client in
            let answer = try await ConsoleBrowser(client).signIn(RouteAccessTests.adminToken)
            #expect(answer.status == .unauthorized)
            // The admin listener: the sign-in form, then the token, then the list of organizations.
            let form = try await HardeningTests.retryingConnect { try await RawHTTP.request(port: adminPort, method: "GET", target: "/console/sign-in") }
            #expect(form.status == 200)
            let cookie = try #require(form.header("set-cookie")?.split(separator: ";").first.map(String.init))
            let token = try #require(form.body.range(of: #"name="csrf" value=""#).map { String(form.body[$0.upperBound...].prefix { $0 != "\"" }) })
            let signedIn = try await RawHTTP.request(port: adminPort, method: "POST", target: "/console/sign-in", headers: ["Cookie": cookie],
                                                     body: "csrf=\(token)&credential=\(RouteAccessTests.adminToken)")
            #expect(signedIn.status == 303)
            let session = try #require(signedIn.head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie: smally_session=") }
                .map { String($0.dropFirst("set-cookie: ".count).split(separator: ";")[0]) })
            let list = try await RawHTTP.request(port: adminPort, method: "GET", target: "/console/orgs", headers: ["Cookie": session])
            #expect(list.status == 200 && list.body.contains(">default</a>"))
            #expect(try await RawHTTP.request(port: adminPort, method: "GET", target: "/console/orgs").status == 303)
        }
    }
}

/// The console never logs a key, a session id or a CSRF token, at any level.
@Suite("web console logs")
struct ConsoleLogTests {
    @Test("sign-in (refused and accepted), key creation, rotation and sign-out log no secret, even at trace level")
    func noSecretsInLogs() async throws {
        let directory = NSTemporaryDirectory() + "smally-console-logs-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let capture = InMemoryLogHandler()
        var logger = Logger(label: "console-logs") { _ in capture }
        logger.logLevel = .trace
        let configuration = ServerTestSupport.configuration {
            $0.auth = .enabled
            $0.accounts.dataDirectory = directory
            $0.adminToken = RouteAccessTests.adminToken
        }
        let app = try buildApplication(configuration: configuration, engine: try ServerTestSupport.engine(),
                                       metrics: ServerMetrics(registry: PrometheusCollectorRegistry()), logger: logger)
        var secrets: [String] = [RouteAccessTests.adminToken]
        let found = SecretList()
        try await app.test(.live) { client in
            let (adminKey, _) = try await ConsoleTests.makeKey(client, org: "acme", role: "admin")
            let (embedKey, _) = try await ConsoleTests.makeKey(client, org: "acme", role: "embed", create: false)
            let browser = ConsoleBrowser(client)
            #expect(try await browser.signIn(embedKey).status == .unauthorized)
            #expect(try await browser.signIn("sk_" + String(repeating: "x", count: 43)).status == .unauthorized)
            #expect(try await browser.signIn(adminKey).status == .seeOther)
            let page = try await browser.get("/console/orgs/acme/keys")
            let token = try #require(ConsoleBrowser.csrf(page))
            let created = try await browser.post("/console/orgs/acme/keys", [("csrf", token), ("name", "logged"), ("role", "admin")])
            let html = created.text
            let secret = try #require(html.range(of: #"readonly value=""#).map { String(html[$0.upperBound...].prefix { $0 != "\"" }) })
            let operatorBrowser = ConsoleBrowser(client)
            #expect(try await operatorBrowser.signIn(RouteAccessTests.adminToken).status == .seeOther)
            #expect(try await browser.post("/console/sign-out", [("csrf", token)]).status == .seeOther)
            found.values = [adminKey, embedKey, secret, token, try #require(operatorBrowser.cookies["smally_session"])]
        }
        secrets += found.values
        let logs = capture.entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(logs.contains("console sign-in refused") && logs.contains("console sign-in"), "the sign-ins are logged")
        for secret in secrets { #expect(!logs.contains(secret), "a secret (\(secret.prefix(6))…) is in the log") }
    }

    final class SecretList: @unchecked Sendable {
        var values: [String] = []
    }
}
