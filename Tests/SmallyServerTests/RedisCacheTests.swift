import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Prometheus
import SmallyAccounts
@testable import SmallyServer
import SmallyTestSupport
import Testing

/// The L2 cache through the HTTP layer, against real Redis servers started by the test itself
/// (so that one can be killed without disturbing other tests).
@Suite("L2 cache (Redis)", .serialized)
struct RedisCacheTests {
    static func configuration(_ redis: LocalRedisServer, l1: Int = 10_000) -> ServerConfiguration {
        ServerTestSupport.configuration {
            $0.redisURL = "redis://127.0.0.1:\(redis.port)"
            $0.l1CacheSize = l1
        }
    }

    static func waitForReady(_ client: some TestClientProtocol, _ expected: HTTPResponse.Status) async throws {
        try await waitUntil("/ready to answer \(expected.code)", within: .seconds(30)) {
            (try? await client.execute(uri: "/ready", method: .get).status) == expected
        }
    }

    @Test("a miss is computed and shared: another node (empty L1) gets an L2 hit, then its own L1 hit")
    func hitAtBothLevels() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.terminate() }
        let text = "shared across nodes \(UInt64.random(in: 0...UInt64.max))"
        let body = "{\"text\": \"\(text)\"}"
        let first = try await ServerTestSupport.app(Self.configuration(redis)).test(.router) { client in
            try await Self.waitForReady(client, .ok)
            let response = try await ServerTestSupport.post(client, "/v1/embed", body)
            #expect(response.headers[.cacheStatus] == "miss")
            return ServerTestSupport.floats(try ServerTestSupport.object(response)["embedding"])
        }
        try await ServerTestSupport.app(Self.configuration(redis)).test(.router) { client in
            try await Self.waitForReady(client, .ok)
            let fromRedis = try await ServerTestSupport.post(client, "/v1/embed", body)
            #expect(fromRedis.headers[.cacheStatus] == "hit-l2")
            #expect(try ServerTestSupport.object(fromRedis)["cached"] as? Bool == true)
            #expect(ServerTestSupport.floats(try ServerTestSupport.object(fromRedis)["embedding"]) == first)
            let local = try await ServerTestSupport.post(client, "/v1/embed", body)
            #expect(local.headers[.cacheStatus] == "hit-l1")
        }
    }

    /// With TLS every round trip costs a record each way on both sides (PERFORMANCE.md, "Redis Cluster,
    /// TLS and quota counters"): the key's minute and the organization's month ride along with the L2
    /// lookup, one pipeline per request.
    @Test("with API keys, an L2 hit costs one Redis round trip: both quota counters ride along with the lookup")
    func quotaRidesAlongWithTheLookup() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.terminate() }
        let directory = NSTemporaryDirectory() + "smally-l2-quota-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = ServerTestSupport.configuration {
            $0.redisURL = "redis://127.0.0.1:\(redis.port)"
            $0.l1CacheSize = 0
            $0.auth = .enabled
            $0.accounts.dataDirectory = directory
        }
        let registry = PrometheusCollectorRegistry()
        try await ServerTestSupport.app(configuration, metrics: ServerMetrics(registry: registry)).test(.router) { client in
            try await Self.waitForReady(client, .ok)
            let key = try String(contentsOfFile: directory + "/" + DevelopmentKey.fileName, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let headers: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "application/json"]
            let body = "{\"text\": \"one round trip \(UInt64.random(in: 0...UInt64.max))\"}"
            // A miss, then a first hit (loads the script, creates the counters).
            for _ in 0..<2 { #expect(try await ServerTestSupport.post(client, "/v1/embed", body, headers: headers).status == .ok) }
            let before = Self.roundTrips(registry, port: redis.port)
            var remaining: [Int] = []
            for _ in 0..<20 {
                let response = try await ServerTestSupport.post(client, "/v1/embed", body, headers: headers)
                #expect(response.status == .ok && response.headers[.cacheStatus] == "hit-l2")
                remaining.append(Int(response.headers[.rateLimitRemainingRequests] ?? "") ?? -1)
            }
            let used = Self.roundTrips(registry, port: redis.port) - before
            // 20 requests, 20 round trips (one more allowed for a background command).
            #expect(used >= 20 && used <= 21, "\(used) Redis round trips for 20 L2 hits")
            // The minute counted each request once, through the pipeline.
            #expect(zip(remaining, remaining.dropFirst()).allSatisfy { $0 - 1 == $1 }, "\(remaining)")
        }
    }

    /// The `smally_redis_command_duration_seconds` histogram's count for the node: one per round trip.
    static func roundTrips(_ registry: PrometheusCollectorRegistry, port: Int) -> Int {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let prefix = "smally_redis_command_duration_seconds_count{node=\"127.0.0.1:\(port)\"} "
        for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") where line.hasPrefix(prefix) {
            return Int(Double(line.dropFirst(prefix.count)) ?? -1)
        }
        return -1
    }

    @Test("Redis killed mid-test: requests keep succeeding, /ready says so, and it recovers by itself")
    func redisKilled() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.terminate() }
        try await ServerTestSupport.app(Self.configuration(redis, l1: 0)).test(.router) { client in
            try await Self.waitForReady(client, .ok)
            #expect(try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "before the outage"}"#).status == .ok)

            try await redis.shutdown()
            for index in 0..<10 {
                let started = ContinuousClock.now
                let response = try await ServerTestSupport.post(client, "/v1/embed", "{\"text\": \"during the outage \(index)\"}")
                #expect(response.status == .ok)
                #expect(response.headers[.cacheStatus] == "miss")
                #expect(ContinuousClock.now - started < .seconds(2), "a dead Redis must not stall requests")
            }
            try await Self.waitForReady(client, .serviceUnavailable)
            let report = try ServerTestSupport.object(try await client.execute(uri: "/ready", method: .get))
            #expect((report["checks"] as? [String: String])?["redis"] == "failing")

            try await redis.start()
            try await Self.waitForReady(client, .ok)
            _ = try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "after the outage"}"#)
            try await waitUntil("the vector to be written to Redis again", within: .seconds(10)) {
                let again = try? await ServerTestSupport.post(client, "/v1/embed", #"{"text": "after the outage"}"#)
                return again?.headers[.cacheStatus] == "hit-l2"
            }
        }
    }
}
