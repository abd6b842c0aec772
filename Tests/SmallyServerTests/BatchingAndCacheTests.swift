import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SmallyEngine
@testable import SmallyServer
import SmallyTestSupport
import Testing

/// Dynamic batching, single-flight, backpressure and the L1 cache, through the HTTP layer (the
/// batcher on its own is tested in SmallyCoreTests).
@Suite("batching and cache")
struct BatchingAndCacheTests {
    static let texts = SampleQueries.twentyFour

    @Test("concurrent requests are batched and give the same vectors as one-by-one inference")
    func concurrentEqualsSingle() async throws {
        let engine = try ServerTestSupport.engine()
        var singles: [[Float]] = []
        for text in Self.texts { singles.append(try await engine.embed(texts: [text], normalize: false)[0]) }
        let expected = singles
        let configuration = ServerTestSupport.configuration { $0.l1CacheSize = 0 }
        let metrics = ServerMetrics(registry: .init())
        try await ServerTestSupport.app(configuration, metrics: metrics).test(.router) { client in
            try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
                for (index, text) in Self.texts.enumerated() {
                    group.addTask {
                        let response = try await ServerTestSupport.post(client, "/v1/embed", "{\"text\": \"\(text)\"}")
                        return (index, ServerTestSupport.floats(try ServerTestSupport.object(response)["embedding"]))
                    }
                }
                for try await (index, vector) in group {
                    #expect(ServerTestSupport.maxAbsDiff(vector, expected[index]) <= 1e-5, "text \(index)")
                }
            }
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            // 24 texts must not have needed 24 forward passes if any batching happened; at least the
            // histogram must have seen every text.
            #expect(text.contains("smally_batch_size_count"))
        }
    }

    @Test("a second request for text that tokenizes the same is an L1 hit")
    func l1Hit() async throws {
        try await ServerTestSupport.app().test(.router) { client in
            let first = try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "Reset my password"}"#)
            #expect(first.headers[.cacheStatus] == "miss")
            // Same token ids (lowercasing, extra spaces): same cache entry.
            let second = try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "  reset   MY password "}"#)
            #expect(second.headers[.cacheStatus] == "hit-l1")
            #expect(try ServerTestSupport.object(second)["cached"] as? Bool == true)
            let firstVector = ServerTestSupport.floats(try ServerTestSupport.object(first)["embedding"])
            let secondVector = ServerTestSupport.floats(try ServerTestSupport.object(second)["embedding"])
            #expect(firstVector == secondVector)
        }
    }

    @Test("hot cached vectors (answered from kept JSON) read back as the computed ones, as stored and normalised")
    func keptJSONMatchesComputed() async throws {
        try await ServerTestSupport.app().test(.router) { client in
            func embedding(_ body: String) async throws -> (vector: [Float], cache: String?) {
                let response = try await ServerTestSupport.post(client, "/v1/embed", body)
                return (ServerTestSupport.floats(try ServerTestSupport.object(response)["embedding"]), response.headers[.cacheStatus])
            }
            let computed = try await embedding(#"{"text": "where is my parcel"}"#)
            #expect(computed.cache == "miss")
            for normalize in [false, true, false, true] {
                let hit = try await embedding(#"{"text": "where is my parcel", "normalize": \#(normalize)}"#)
                #expect(hit.cache == "hit-l1")
                #expect(hit.vector == (normalize ? l2Normalized(computed.vector) : computed.vector))
            }
            let batch = try await ServerTestSupport.post(client, "/v1/embed", #"{"texts": ["where is my parcel", "a new text"], "normalize": true}"#)
            let vectors = try #require(try ServerTestSupport.object(batch)["embeddings"] as? [Any])
            #expect(ServerTestSupport.floats(vectors[0]) == l2Normalized(computed.vector))
        }
    }

    @Test("a request larger than the queue gets 429 with Retry-After, and the server keeps serving")
    func backpressure() async throws {
        let configuration = ServerTestSupport.configuration { $0.maxQueuedTexts = 4; $0.l1CacheSize = 0 }
        try await ServerTestSupport.app(configuration).test(.router) { client in
            let response = try await ServerTestSupport.post(client, "/v1/embed", #"{"texts": ["a", "b", "c", "d", "e"]}"#)
            #expect(response.status == .tooManyRequests)
            #expect(response.headers[.retryAfter] != nil)
            #expect(try ServerTestSupport.errorCode(response) == "server_overloaded")
            let ok = try await ServerTestSupport.post(client, "/v1/embed", #"{"texts": ["a", "b", "c", "d"]}"#)
            #expect(ok.status == .ok)
        }
    }

    @Test("under a burst beyond the queue, some requests get 429 and all others succeed")
    func burst() async throws {
        // No queue deadline: long texts in a debug build wait longer than its default, and this is about the 429.
        let configuration = ServerTestSupport.configuration { $0.maxQueuedTexts = 8; $0.l1CacheSize = 0; $0.maxQueueMilliseconds = 0 }
        try await ServerTestSupport.app(configuration).test(.router) { client in
            let long = Array(repeating: "word", count: 200).joined(separator: " ")
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        Int(try await ServerTestSupport.post(client, "/v1/embed", "{\"text\": \"\(index) \(long)\"}").status.code)
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(Set(statuses).isSubset(of: [200, 429]))
            #expect(statuses.contains(429))
            #expect(statuses.contains(200))
        }
    }
}
