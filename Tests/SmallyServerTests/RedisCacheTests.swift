import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
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
