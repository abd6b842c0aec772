import Logging
import NIOCore
import ServiceLifecycle
import ServiceLifecycleTestKit
import SmallyTestSupport
import Testing

@testable import SmallyCache

/// Against the real Redis at REDIS_URL.
@Suite("redis integration", .enabled(if: !RedisTestEnvironment.skip, "SMALLY_SKIP_REDIS_TESTS=1"))
struct RedisIntegrationTests {
    @Test("set get round trip") func setGetRoundTrip() async throws {
        try await withRunningClient(try RedisTestEnvironment.configuration()) { client in
            let cache = RedisEmbeddingCache(client: client, ttl: .seconds(60))
            let key = uniqueKeys(1)[0]
            let vector = testVector(7)
            await cache.set([(key, vector)])
            #expect(await cache.get([key]) == [vector])

            // The stored form: key "smally:emb:v1:<hex>", 1536 little-endian f32 bytes.
            let name = "smally:emb:v1:" + key.hex
            #expect(try await client.send(["STRLEN", name]) == .integer(1536))
            let raw = try await client.send(["GET", name])
            #expect(raw.buffer.flatMap(FloatVectorCoding.read) == vector)
        }
    }

    @Test("mget returns hits and misses in order") func mgetReturnsHitsAndMissesInOrder() async throws {
        try await withRunningClient(try RedisTestEnvironment.configuration()) { client in
            let cache = RedisEmbeddingCache(client: client, ttl: .seconds(60))
            let keys = uniqueKeys(6)
            await cache.set([(keys[0], testVector(0)), (keys[2], testVector(2)), (keys[5], testVector(5))])
            let results = await cache.get(keys)
            #expect(results == [testVector(0), nil, testVector(2), nil, nil, testVector(5)])
            #expect(await cache.get([]) == [])
        }
    }

    @Test("ttl is applied") func ttlIsApplied() async throws {
        try await withRunningClient(try RedisTestEnvironment.configuration()) { client in
            let keys = uniqueKeys(2)
            await RedisEmbeddingCache(client: client, ttl: .seconds(60)).set([(keys[0], testVector(1))])
            let ttl = try await client.send(["TTL", "smally:emb:v1:" + keys[0].hex]).integer ?? -100
            #expect(ttl > 0 && ttl <= 60)

            // Sub-second remainders round up: 1.5 s is stored as EX 2.
            let prefix = "smally:test:ttl:"
            await RedisEmbeddingCache(client: client, ttl: .milliseconds(1500), keyPrefix: prefix).set([(keys[1], testVector(1))])
            let short = try await client.send(["TTL", prefix + keys[1].hex]).integer ?? -100
            #expect(short > 0 && short <= 2)
        }
    }

    @Test("pipeline of 1000 keeps order") func pipelineOf1000KeepsOrder() async throws {
        try await withRunningClient(try RedisTestEnvironment.configuration()) { client in
            let base = "smally:test:pipe:\(UInt64.random(in: 0...UInt64.max))"
            let counter = base + ":counter"
            let incrs = try await client.pipeline(Array(repeating: ["INCR", counter], count: 1000))
            #expect(incrs == (1...1000).map { RESPValue.integer($0) })

            let sets = try await client.pipeline((0..<1000).map { ["SET", "\(base):\($0)", "value-\($0)", "EX", "60"] })
            #expect(sets == Array(repeating: .simpleString("OK"), count: 1000))
            let gets = try await client.pipeline((0..<1000).map { ["GET", "\(base):\($0)"] })
            #expect(gets == (0..<1000).map { .bulkString("value-\($0)") })

            // An error reply stays in its place; its neighbours still succeed.
            let mixed = try await client.pipeline([["GET", "\(base):1"], ["INCR", "\(base):1"], ["GET", "\(base):2"]])
            #expect(mixed.count == 3)
            #expect(mixed[0] == .bulkString("value-1"))
            #expect(mixed[1].isError)
            #expect(mixed[2] == .bulkString("value-2"))
            _ = try await client.send(["DEL", counter])
        }
    }

    @Test("concurrent use from many tasks") func concurrentUseFromManyTasks() async throws {
        try await withRunningClient(try RedisTestEnvironment.configuration()) { client in
            let cache = RedisEmbeddingCache(client: client, ttl: .seconds(60))
            let model = "test-concurrent-\(UInt64.random(in: 0...UInt64.max))"
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<64 {
                    group.addTask {
                        for round in 0..<10 {
                            let key = CacheKey(model: model, tokenIDs: [Int32(task), Int32(round)])
                            let vector = testVector(task * 100 + round)
                            await cache.set([(key, vector)])
                            #expect(await cache.get([key]) == [vector])
                            let echo = "\(task)-\(round)"
                            let reply = try await client.send(["ECHO", echo])
                            #expect(reply == .bulkString(echo))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test("server errors throw from send") func serverErrorsThrowFromSend() async throws {
        try await withRunningClient(try RedisTestEnvironment.configuration()) { client in
            await #expect {
                _ = try await client.send(["NOSUCHCOMMAND"])
            } throws: { error in
                guard let error = error as? RedisError else { return false }
                return error.code == .serverError && (error.message ?? "").contains("unknown command")
            }
            try await client.ping()  // the connection is still in step
        }
    }

    @Test("database from URL is selected") func databaseFromURLIsSelected() async throws {
        var db3 = try RedisTestEnvironment.configuration()
        db3.database = 3
        let key = "smally:test:db:\(UInt64.random(in: 0...UInt64.max))"
        try await withRunningClient(db3) { client in
            _ = try await client.send(["SET", key, "x", "EX", "60"])
            #expect(try await client.send(["GET", key]) == .bulkString("x"))
        }
        var db0 = try RedisTestEnvironment.configuration()
        db0.database = 0
        try await withRunningClient(db0) { client in
            let reply = try await client.send(["GET", key])
            #expect(reply == .bulkString(nil))
        }
    }

    @Test("graceful shutdown stops the service") func gracefulShutdownStopsTheService() async throws {
        let client = RedisClient(configuration: try RedisTestEnvironment.configuration(), logger: quietLogger)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await client.run() }
                try await waitUntil("connected", within: .seconds(30)) { client.isConnected }
                try await client.ping()
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()  // run() returned by itself
            }
        }
        #expect(!client.isConnected)
        await #expect {
            try await client.ping()
        } throws: { error in
            (error as? RedisError)?.code == .notConnected
        }
    }

    @Test("works in a service group") func worksInAServiceGroup() async throws {
        _ = try RedisTestEnvironment.url()
        let client = RedisClient(configuration: try RedisTestEnvironment.configuration(), logger: quietLogger)
        let group = ServiceGroup(services: [client], logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await waitUntil("connected", within: .seconds(30)) { client.isConnected }
            try await client.ping()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(!client.isConnected)
    }
}

/// Against redis-servers these tests start, kill and restart themselves.
@Suite("redis failure", .enabled(if: !RedisTestEnvironment.skip, "SMALLY_SKIP_REDIS_TESTS=1"), .serialized)
struct RedisFailureTests {
    @Test("redis killed mid test gives fast misses then reconnects") func redisKilledMidTestGivesFastMissesThenReconnects() async throws {
        _ = try RedisTestEnvironment.url()
        let server = try await LocalRedisServer.start()
        defer { server.terminate() }
        var config = server.configuration
        config.poolSize = 2
        config.commandTimeout = .milliseconds(100)
        config.connectTimeout = .milliseconds(250)

        try await withRunningClient(config) { client in
            let cache = RedisEmbeddingCache(client: client, ttl: .seconds(60))
            let keys = uniqueKeys(3)
            await cache.set([(keys[0], testVector(0))])
            #expect(await cache.get([keys[0]]) == [testVector(0)])

            try await server.shutdown()

            // Straight away and for a while after: misses, never a throw, never a wait for the 2 s
            // connect/command timeouts. (The bound leaves room for scheduling jitter on a loaded
            // 2-core CI machine running the whole suite in parallel: 209 ms was seen against 200.)
            for _ in 0..<20 {
                let start = ContinuousClock.now
                let results = await cache.get(keys)
                let elapsed = ContinuousClock.now - start
                #expect(results == [nil, nil, nil])
                #expect(elapsed < .milliseconds(750), "get took \(elapsed) with Redis down")
                try await Task.sleep(for: .milliseconds(25))
            }
            try await waitUntil("client noticed Redis is gone", within: .seconds(2)) { !client.isConnected }
            let start = ContinuousClock.now
            await cache.set([(keys[1], testVector(1))])
            #expect(ContinuousClock.now - start < .milliseconds(750))

            // Back up: the client reconnects by itself.
            try await server.start()
            let took = try await waitUntil("reconnect after restart", within: .seconds(5)) {
                await cache.set([(keys[2], testVector(2))])
                return await cache.get([keys[2]]) == [testVector(2)]
            }
            #expect(took < .seconds(5))
            try await client.ping()
        }
        try await server.shutdown()
    }

    @Test("timeout replaces connection without desync") func timeoutReplacesConnectionWithoutDesync() async throws {
        _ = try RedisTestEnvironment.url()
        let server = try await LocalRedisServer.start(extraArguments: ["--enable-debug-command", "yes"])
        defer { server.terminate() }
        var config = server.configuration
        config.poolSize = 1
        config.commandTimeout = .milliseconds(100)

        try await withRunningClient(config) { client in
            _ = try await client.send(["SET", "k", "before"])

            // DEBUG SLEEP stalls the server for 1 s, far past our 100 ms timeout; its "+OK" arrives late.
            let start = ContinuousClock.now
            await #expect {
                _ = try await client.send(["DEBUG", "SLEEP", "1"])
            } throws: { error in
                (error as? RedisError)?.code == .timeout
            }
            #expect(ContinuousClock.now - start < .milliseconds(600))

            // The timed-out connection was closed and replaced; the late reply is never taken for GET's.
            try await waitUntil("replacement connection", within: .seconds(5)) {
                (try? await client.send(["GET", "k"])) == .bulkString("before")
            }
            #expect(try await client.send(["GET", "k"]) == .bulkString("before"))
            try await client.ping()
        }
        try await server.shutdown()
    }

    @Test("password is sent and wrong password never connects") func passwordIsSentAndWrongPasswordNeverConnects() async throws {
        _ = try RedisTestEnvironment.url()
        let server = try await LocalRedisServer.start(password: "s3cret")
        defer { server.terminate() }

        try await withRunningClient(server.configuration) { client in
            try await client.ping()
        }

        var wrong = server.configuration
        wrong.password = "nope"
        try await withRunningClient(wrong, waitForConnection: false) { client in
            try await Task.sleep(for: .milliseconds(300))
            #expect(!client.isConnected)
            let cache = RedisEmbeddingCache(client: client, ttl: .seconds(60))
            #expect(await cache.get(uniqueKeys(1)) == [nil])
        }
        try await server.shutdown()
    }
}

extension RESPValue {
    fileprivate var isError: Bool {
        if case .error = self { true } else { false }
    }
}
