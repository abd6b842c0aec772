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

/// The real application (real model, real routes) with accounts on and the embedded store, as
/// `smally serve` runs it on a first start.
@Suite("accounts end to end")
struct AccountsEndToEndTests {
    @Test("first start creates a development key; keys are required; usage equals what was served; no secrets in logs")
    func realApplication() async throws {
        let directory = NSTemporaryDirectory() + "smally-e2e-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let capture = InMemoryLogHandler()
        var logger = Logger(label: "e2e") { _ in capture }
        logger.logLevel = .trace
        let configuration = ServerTestSupport.configuration {
            $0.auth = .enabled
            $0.accounts.dataDirectory = directory
        }
        let app = try buildApplication(configuration: configuration, engine: try ServerTestSupport.engine(),
                                       metrics: ServerMetrics(registry: PrometheusCollectorRegistry()), logger: logger)
        let text = "a confidential sentence about zebras \(UInt32.random(in: 0...UInt32.max))"
        let served = Tally()
        let keyHolder = Tally()
        try await app.test(.router) { client in
            let path = directory + "/" + DevelopmentKey.fileName
            let key = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            keyHolder.key = key
            let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
            #expect(mode == 0o600)
            let auth: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "application/json"]

            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            let anonymous = try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "\#(text)"}"#)
            #expect(try anonymous.status == .unauthorized && ServerTestSupport.errorCode(anonymous) == "invalid_api_key")
            #expect(try await client.execute(uri: "/v1/models", method: .get).status == .unauthorized)

            for _ in 0..<3 {
                let response = try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "\#(text)"}"#, headers: auth)
                #expect(response.status == .ok)
                // The development organization's limits: the largest there are.
                #expect(response.headers[.rateLimitLimit] == String(AccountsAdmin.maximumMonthlyQuota)
                        && response.headers[.rateLimitLimitRequests] == String(AccountsAdmin.maximumRequestsPerMinute))
                served.add(tokens: try ServerTestSupport.object(response)["tokens"] as? Int ?? 0)
            }
            let openAI = try await ServerTestSupport.post(client, "/v1/embeddings", #"{"input": ["\#(text)", "zebras again"]}"#, headers: auth)
            #expect(openAI.status == .ok)
            served.add(tokens: ((try ServerTestSupport.object(openAI)["usage"] as? [String: Any])?["total_tokens"] as? Int) ?? 0)
            #expect(try await ServerTestSupport.post(client, "/v1/tokenize", #"{"text": "\#(text)"}"#, headers: auth).status == .ok)
            #expect(try await client.execute(uri: "/v1/models", method: .get, headers: auth).status == .ok)
            let usage = try await client.execute(uri: "/v1/usage", method: .get, headers: auth)
            #expect(usage.status == .ok)
            #expect(((try ServerTestSupport.object(usage)["totals"] as? [String: Any])?["embeddings"] as? Int) == 5)
        }

        // After the graceful shutdown, the store has every request served.
        let store = SQLiteAccountStore(path: directory + "/smally.sqlite", logger: logger)
        let organization = try #require(try await store.organization(named: DevelopmentKey.organizationName))
        // The development organization is not limited: `make load-test` runs on its key.
        #expect(organization.requestsPerMinute == AccountsAdmin.maximumRequestsPerMinute)
        #expect(organization.monthlyQuota == AccountsAdmin.maximumMonthlyQuota)
        let month = QuotaPeriod.month(containing: Date())
        let totals = try await store.usage(organizationID: organization.id, from: month.start, to: month.end).reduce(UsageCounts.zero) { $0 + $1.counts }
        try await store.close()
        #expect(totals.requests == 7)  // 3 embed + 1 embeddings + tokenize + models + usage
        #expect(totals.embeddings == 5)
        #expect(totals.cacheHits == 3)  // the 2nd and 3rd embed, and the repeated text in /v1/embeddings
        #expect(totals.tokens == served.tokens)

        let logs = capture.entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!logs.isEmpty)
        let key = try #require(keyHolder.key)
        #expect(!logs.contains(key) && !logs.contains(String(key.dropFirst(3).prefix(12))))
        #expect(!logs.contains(APIKeyFormat.hash(key)))
        #expect(!logs.contains("zebras"))
    }
}

final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var _tokens = 0
    private var _key: String?
    func add(tokens: Int) { lock.withLock { _tokens += tokens } }
    var tokens: Int { lock.withLock { _tokens } }
    var key: String? {
        get { lock.withLock { _key } }
        set { lock.withLock { _key = newValue } }
    }
}
