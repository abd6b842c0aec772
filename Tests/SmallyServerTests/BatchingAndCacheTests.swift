import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import ServiceLifecycle
import Synchronization
import SmallyEngine
@testable import SmallyServer
import Testing

/// Dynamic batching, single-flight, backpressure and the L1 cache, through the HTTP layer.
@Suite("batching and cache")
struct BatchingAndCacheTests {
    static let texts = (0..<24).map { "query number \($0) about \(["billing", "passwords", "shipping", "refunds"][$0 % 4])" }

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

    @Test("with two lanes, concurrent texts give the vectors of one-by-one inference, and shutdown drains")
    func twoLanesEqualSingle() async throws {
        let single = try ServerTestSupport.engine()
        let engine = InferenceEngine(model: single.model, threads: 2)
        let observer = BatchCounter()
        let batcher = Batcher(engine: engine, maxQueuedTexts: 100, maxBatchSize: 8, maxBatchTokens: 1_000,
                              lanes: 2, logger: ServerTestSupport.logger, observer: observer)
        #expect(batcher.lanes == 2)
        let ids = Self.texts.map { single.model.tokenizer.encode($0).ids }
        var expected: [[Float]] = []
        for sequence in ids { expected.append(try await single.embed(tokenIDs: [sequence])[0]) }
        let reference = expected
        let services = ServiceGroup(configuration: .init(services: [batcher], logger: ServerTestSupport.logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            try await withThrowingTaskGroup(of: (Int, [Float]).self) { requests in
                for (index, sequence) in ids.enumerated() {
                    requests.addTask { (index, try await batcher.embed([sequence])[0].0) }
                }
                for try await (index, vector) in requests {
                    #expect(ServerTestSupport.maxAbsDiff(vector, reference[index]) <= 1e-5, "text \(index)")
                }
            }
            #expect(observer.texts == ids.count)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(batcher.queueDepth == 0)
    }

    @Test("cancelling the batcher's task ends it, as when another service fails (e.g. the port is taken)")
    func cancellationEndsRun() async throws {
        let batcher = Batcher(engine: try ServerTestSupport.engine(), maxQueuedTexts: 4, maxBatchSize: 4,
                              maxBatchTokens: 100, logger: ServerTestSupport.logger)
        let finished = Mutex(false)
        let running = Task {
            try? await batcher.run()
            finished.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(100))   // the lanes are waiting for work
        running.cancel()
        let deadline = ContinuousClock.now + .seconds(10)
        while !finished.withLock({ $0 }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(finished.withLock { $0 })
        await #expect(throws: Batcher.BatcherError.shuttingDown) { _ = try await batcher.embed([[101, 102]]) }
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
        let configuration = ServerTestSupport.configuration { $0.maxQueuedTexts = 8; $0.l1CacheSize = 0 }
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

/// Counts what the batcher computed.
private final class BatchCounter: BatchObserver, Sendable {
    private let counted = Mutex(0)
    var texts: Int { counted.withLock { $0 } }
    func batchCompleted(size: Int, tokens: Int, duration: Duration) { counted.withLock { $0 += size } }
    func queueDepthChanged(_ depth: Int) {}
}
