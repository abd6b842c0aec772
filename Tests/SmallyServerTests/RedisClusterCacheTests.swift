import Foundation
import Hummingbird
import HummingbirdTesting
@testable import SmallyServer
import SmallyTestSupport
import Testing

/// The L2 cache through the HTTP layer on a Redis Cluster (REDIS_URL=redis+cluster://...).
@Suite("L2 cache (Redis Cluster)", .serialized)
struct RedisClusterCacheTests {
    @Test("two API nodes on one cluster: a vector computed by one is an L2 hit on the other; /ready says redis ok")
    func hitAcrossNodes() async throws {
        let cluster = try await LocalRedisCluster.start()
        defer { cluster.terminate() }
        let configuration = ServerTestSupport.configuration {
            $0.redisURL = cluster.url
            $0.l1CacheSize = 0
        }
        let texts = (0..<8).map { "cluster shared \($0) \(UInt64.random(in: 0...UInt64.max))" }
        let body = "{\"texts\": [" + texts.map { "\"\($0)\"" }.joined(separator: ",") + "]}"
        let first = try await ServerTestSupport.app(configuration).test(.router) { client in
            try await RedisCacheTests.waitForReady(client, .ok)
            let response = try await ServerTestSupport.post(client, "/v1/embed", body)
            #expect(response.status == .ok)
            return (try ServerTestSupport.object(response)["embeddings"] as? [Any] ?? []).map { ServerTestSupport.floats($0) }
        }
        try await ServerTestSupport.app(configuration).test(.router) { client in
            try await RedisCacheTests.waitForReady(client, .ok)
            let again = try await ServerTestSupport.post(client, "/v1/embed", body)
            #expect(again.headers[.cacheStatus] == "hit-l2")
            let vectors = (try ServerTestSupport.object(again)["embeddings"] as? [Any] ?? []).map { ServerTestSupport.floats($0) }
            #expect(vectors.count == 8 && vectors.allSatisfy { !$0.isEmpty })
            #expect(vectors == first)
        }
    }
    @Test("a malformed cluster URL stops the start naming REDIS_URL, never the password; TLS settings go with rediss+cluster://")
    func configuration() throws {
        for url in ["redis+cluster://:secret@h:1,,h:2/", "redis+cluster://:secret@h:1/2"] {
            #expect {
                _ = try ServerTestSupport.app(ServerTestSupport.configuration { $0.redisURL = url })
            } throws: { error in
                "\(error)".contains("REDIS_URL") && !"\(error)".contains("secret")
            }
        }
        let tls = try ServerConfiguration(environment: ["REDIS_URL": "rediss+cluster://a:1,b:2/", "REDIS_TLS_INSECURE": "true"])
        #expect(tls.redisTLS.insecure)
        #expect(throws: (any Error).self) {
            _ = try ServerConfiguration(environment: ["REDIS_URL": "redis+cluster://a:1", "REDIS_TLS_INSECURE": "true"])
        }
    }
}
