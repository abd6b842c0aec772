import Logging
import Metrics
import MetricsTestKit
import NIOCore
import Testing

@testable import SmallyCache

@Suite("cache support") struct CacheSupportTests {
    @Test("float vector coding round trip") func floatVectorCodingRoundTrip() throws {
        let vector: [Float] = (0..<384).map { Float($0) * 0.5 - 17.25 } + [.infinity, -0.0, .leastNonzeroMagnitude]
        var buffer = ByteBuffer()
        FloatVectorCoding.write(vector, into: &buffer)
        #expect(buffer.readableBytes == vector.count * 4)
        #expect(FloatVectorCoding.read(buffer) == vector)
    }

    @Test("float vector coding is little endian f 32") func floatVectorCodingIsLittleEndianF32() {
        var buffer = ByteBuffer()
        FloatVectorCoding.write([1.0, -2.5], into: &buffer)
        // 1.0 = 0x3F800000, -2.5 = 0xC0200000, little-endian.
        #expect(Array(buffer.readableBytesView) == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0])
    }

    @Test("float vector coding rejects bad lengths") func floatVectorCodingRejectsBadLengths() {
        #expect(FloatVectorCoding.read(ByteBuffer()) == nil)
        #expect(FloatVectorCoding.read(ByteBuffer(bytes: [1, 2, 3])) == nil)
    }

    @Test("log throttle admits once per interval") func logThrottleAdmitsOncePerInterval() {
        var throttle = LogThrottle(interval: .seconds(1))
        let t0 = ContinuousClock.now
        #expect(throttle.admit(now: t0) == 0)
        #expect(throttle.admit(now: t0 + .milliseconds(10)) == nil)
        #expect(throttle.admit(now: t0 + .milliseconds(999)) == nil)
        #expect(throttle.admit(now: t0 + .milliseconds(1000)) == 2)
        #expect(throttle.admit(now: t0 + .milliseconds(1001)) == nil)
    }

    @Test("backoff grows with jitter and resets") func backoffGrowsWithJitterAndResets() {
        var backoff = ReconnectBackoff(minimum: .milliseconds(100), maximum: .milliseconds(400))
        let delays = (0..<6).map { _ in backoff.next() }
        let nominal: [Duration] = [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(400), .milliseconds(400), .milliseconds(400)]
        for (delay, n) in zip(delays, nominal) {
            #expect(delay >= n / 2 && delay <= n)
        }
        backoff.reset()
        #expect(backoff.next() <= .milliseconds(100))
    }

    @Test("tiered cache fills l 1 from l 2") func tieredCacheFillsL1FromL2() async {
        let l1 = LRUCache<[Float]>(capacity: 8)
        let l2 = LRUCache<[Float]>(capacity: 8)  // any EmbeddingCache will do as a stand-in L2
        let tiered = TieredEmbeddingCache(l1: l1, l2: l2)
        let a = CacheKey(model: "m", tokenIDs: [1])
        let b = CacheKey(model: "m", tokenIDs: [2])
        let c = CacheKey(model: "m", tokenIDs: [3])
        l1.set(a, [1])
        await l2.set([(b, [2])])

        #expect(await tiered.get([a, b, c]) == [[1], [2], nil])
        #expect(l1.get(b) == [2])  // promoted

        await tiered.set([(c, [3])])
        #expect(l1.get(c) == [3])
        #expect(await l2.get([c]) == [[3]])

        let l1Only = TieredEmbeddingCache(l1: l1, l2: nil)
        #expect(await l1Only.get([c, CacheKey(model: "m", tokenIDs: [9])]) == [[3], nil])
    }

    @Test("redis down means fast misses and counted errors") func redisDownMeansFastMissesAndCountedErrors() async throws {
        // Nothing listens on port 1; the client is not even running. The request path must not wait.
        var config = RedisConfiguration(host: "127.0.0.1", port: 1)
        config.poolSize = 1
        let client = RedisClient(configuration: config, logger: quietLogger)
        let metrics = TestMetrics()
        let cache = withMetricsFactory(metrics) {
            RedisEmbeddingCache(client: client, ttl: .seconds(60))
        }
        let keys = (0..<3).map { CacheKey(model: "m", tokenIDs: [Int32($0)]) }

        let start = ContinuousClock.now
        #expect(await cache.get(keys) == [nil, nil, nil])
        await cache.set([(keys[0], [1, 2, 3])])
        #expect(ContinuousClock.now - start < .milliseconds(750))  // fail fast; bound allows CI scheduling jitter
        #expect(!client.isConnected)

        let counter = try metrics.expectCounter("smally_cache_errors_total", [("level", "l2")])
        #expect(counter.totalValue == 2)

        await #expect {
            try await client.ping()
        } throws: { error in
            (error as? RedisError)?.code == .notConnected
        }
    }

    @Test("running client with unreachable server still fails fast") func runningClientWithUnreachableServerStillFailsFast() async throws {
        var config = RedisConfiguration(host: "127.0.0.1", port: 1)
        config.poolSize = 2
        let client = RedisClient(configuration: config, logger: quietLogger)
        let cache = RedisEmbeddingCache(client: client, ttl: .seconds(60))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            for _ in 0..<5 {
                let start = ContinuousClock.now
                #expect(await cache.get([CacheKey(model: "m", tokenIDs: [1])]) == [nil])
                #expect(ContinuousClock.now - start < .milliseconds(750))  // fail fast; bound allows CI scheduling jitter
                try await Task.sleep(for: .milliseconds(30))
            }
            #expect(!client.isConnected)

            // A second concurrent run() is refused rather than corrupting the pool.
            await #expect {
                try await client.run()
            } throws: { error in
                (error as? RedisError)?.code == .alreadyRunning
            }
            group.cancelAll()
        }
    }
}
