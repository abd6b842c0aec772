import Foundation
import MetricsTestKit
import NIOCore
import SmallyTestSupport
import Testing

@testable import SmallyCache

/// Against 6-node clusters (3 masters, 3 replicas) of redis-servers the tests start themselves.
@Suite("redis cluster", .serialized, .enabled(if: !RedisTestEnvironment.skip, "SMALLY_SKIP_REDIS_TESTS=1"))
struct RedisClusterIntegrationTests {
    private static let prefix = "smally:emb:v1:"

    private func roundTrips(_ metrics: TestMetrics, port: Int) -> Int {
        (try? metrics.expectTimer("smally_redis_command_duration_seconds", [("node", "127.0.0.1:\(port)")]).values.count) ?? 0
    }

    @Test("keys spread over three masters; a 32-key read costs one round trip per master; two clients share entries")
    func spreadAndRoundTrips() async throws {
        let cluster = try await LocalRedisCluster.start()
        defer { cluster.terminate() }
        var configuration = cluster.configuration
        configuration.refreshInterval = .seconds(3600)  // no background CLUSTER SLOTS among the counted round trips
        let metrics = TestMetrics()
        try await withRunningCluster(configuration, metrics: metrics) { client in
            let map = try #require(client.slotMap)
            let masters = cluster.masters()
            #expect(masters.count == 3)
            #expect(Set(map.masters.map(\.port)) == Set(masters.map(\.port)))
            #expect(map.replicas.count == 3)

            let cache = RedisEmbeddingCache(client: client, ttl: .seconds(60))
            let keys = uniqueKeys(32)
            await cache.set(keys.enumerated().map { ($1, testVector($0)) })
            let portOfKey = keys.map { cluster.masterPort(ofSlot: HashSlot.of(Self.prefix + $0.hex)) }
            let keysPerMaster = Dictionary(grouping: portOfKey.compactMap { $0 }) { $0 }.mapValues(\.count)
            #expect(keysPerMaster.count == 3, "32 random keys land on all three masters: \(keysPerMaster)")

            // Each key is stored on its slot's master (asked directly, not through the client).
            for (key, port) in zip(keys, portOfKey) {
                let port = try #require(port)
                #expect(try LocalRedisCluster.cli(["-p", String(port), "strlen", Self.prefix + key.hex]).contains("1536"))
            }

            cluster.resetStatistics()
            let before = masters.map { roundTrips(metrics, port: $0.port) }
            #expect(await cache.get(keys) == (0..<32).map { testVector($0) })
            let after = masters.map { roundTrips(metrics, port: $0.port) }
            for (index, master) in masters.enumerated() {
                #expect(after[index] - before[index] == 1, "round trips to master \(master.port): \(after[index] - before[index])")
                // One MGET per slot in that one pipeline (32 keys: almost surely 32 slots).
                let slots = Set(keys.map { HashSlot.of(Self.prefix + $0.hex) }.filter { slot in master.slots.contains { $0.contains(slot) } })
                let calls = try cluster.calls(of: "mget", port: master.port)
                let stats = try LocalRedisCluster.cli(["-p", String(master.port), "info", "commandstats"])
                #expect(calls == slots.count, "MGET calls on \(master.port): \(calls) for \(slots.count) slots: \(stats)")
            }

            // A read with commands alongside (the quota counters): a master holding both gets one
            // pipeline; a master holding neither gets nothing.
            let readMaster = try #require(portOfKey[0])
            let slotsOfRead = try #require(masters.first { $0.port == readMaster }).slots
            func counterKey(onReadMaster wanted: Bool) -> String {
                (0...).lazy.map { "smally:test:rt:\($0)" }.first { name in slotsOfRead.contains { $0.contains(HashSlot.of(name)) } == wanted }!
            }
            let sameMaster = counterKey(onReadMaster: true)
            let otherMaster = counterKey(onReadMaster: false)
            let otherPort = try #require(masters.first { $0.slots.contains { $0.contains(HashSlot.of(otherMaster)) } }).port
            var commands = RedisBatch()
            commands.appendCommand(["INCRBY", sameMaster, "2"], keyArgument: 1)
            commands.appendCommand(["INCRBY", otherMaster, "3"], keyArgument: 1)
            var read = RedisBatch()
            read.appendKey(length: (Self.prefix + keys[0].hex).utf8.count) { $0.writeString(Self.prefix + keys[0].hex) }
            let together = masters.map { roundTrips(metrics, port: $0.port) }
            let (values, replies) = try await client.get(read, alongside: commands)
            #expect(values.count == 1 && replies == [.integer(2), .integer(3)])
            if case .bulkString(let bytes?) = values[0] { #expect(FloatVectorCoding.read(bytes) == testVector(0)) } else { Issue.record("\(values)") }
            for (index, master) in masters.enumerated() {
                let expected = master.port == readMaster || master.port == otherPort ? 1 : 0
                #expect(roundTrips(metrics, port: master.port) - together[index] == expected, "round trips to master \(master.port)")
            }

            // A second client (another API node) reads what the first wrote; misses stay misses.
            let others = uniqueKeys(3)
            try await withRunningCluster(configuration) { second in
                let secondCache = RedisEmbeddingCache(client: second, ttl: .seconds(60))
                #expect(await secondCache.get([keys[5], others[0], keys[30]]) == [testVector(5), nil, testVector(30)])
            }

            // Quota-style commands route by their key: a script on a key of each master.
            for (offset, key) in ["{a}", "{b}", "{c}", "{d}"].enumerated() {
                let reply = try await client.send(["EVAL", "return redis.call('INCRBY', KEYS[1], ARGV[1])", "1", "smally:test:\(key)", String(offset + 1)])
                #expect(reply == .integer(offset + 1))
            }
            #expect(try await client.send(["PING"]) == .simpleString("PONG"))
        }
    }

    @Test("a slot moving between masters: ASK during the migration, MOVED after it, values found throughout")
    func redirects() async throws {
        let cluster = try await LocalRedisCluster.start()
        defer { cluster.terminate() }
        var configuration = cluster.configuration
        configuration.refreshInterval = .seconds(3600)  // only redirects update the map here
        let metrics = TestMetrics()
        try await withRunningCluster(configuration, metrics: metrics) { client in
            let cache = RedisEmbeddingCache(client: client, ttl: .seconds(60), keyPrefix: "smally:test:{migrating}:")
            let keys = uniqueKeys(2)
            let slot = HashSlot.of("{migrating}")
            let source = try #require(cluster.masterPort(ofSlot: slot))
            let target = try #require(cluster.masters().map(\.port).first { $0 != source })
            func id(_ port: Int) throws -> String {
                try LocalRedisCluster.cli(["-p", String(port), "cluster", "myid"]).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let (sourceID, targetID) = (try id(source), try id(target))

            await cache.set([(keys[0], testVector(0))])
            // Migration starts: keys not on the source any more are answered with ASK (to the target).
            try LocalRedisCluster.cli(["-p", String(target), "cluster", "setslot", String(slot), "importing", sourceID])
            try LocalRedisCluster.cli(["-p", String(source), "cluster", "setslot", String(slot), "migrating", targetID])
            await cache.set([(keys[1], testVector(1))])  // absent on the source: ASK, written on the target
            #expect(try LocalRedisCluster.cli(["-p", String(target), "-c", "exists", "smally:test:{migrating}:" + keys[1].hex]).contains("1"))
            #expect(await cache.get(keys) == [testVector(0), testVector(1)])
            let asks = try metrics.expectCounter("smally_redis_redirects_total", [("node", "127.0.0.1:\(source)"), ("kind", "ask")]).totalValue
            #expect(asks >= 2)
            #expect(client.slotMap?.master(of: slot)?.port == source)  // ASK leaves the map alone

            // Migration ends: the slot belongs to the target; the source answers MOVED, the map follows.
            try LocalRedisCluster.cli(["-p", String(source), "migrate", "127.0.0.1", String(target), "", "0", "5000", "keys",
                                       "smally:test:{migrating}:" + keys[0].hex])
            for port in cluster.masters().map(\.port) {
                try LocalRedisCluster.cli(["-p", String(port), "cluster", "setslot", String(slot), "node", targetID])
            }
            #expect(await cache.get(keys) == [testVector(0), testVector(1)])
            let moved = metrics.counters.filter { $0.label == "smally_redis_redirects_total" }.map { "\($0.dimensions): \($0.totalValue)" }
            #expect(try metrics.expectCounter("smally_redis_redirects_total", [("node", "127.0.0.1:\(source)"), ("kind", "moved")]).totalValue >= 1, "\(moved)")
            #expect(client.slotMap?.master(of: slot)?.port == target)
        }
    }

    @Test("a master crashes under reads: its slots miss, the others never do; the map follows the replica within seconds")
    func failover() async throws {
        let cluster = try await LocalRedisCluster.start()
        defer { cluster.terminate() }
        try await withRunningCluster(cluster.configuration) { client in
            let cache = RedisEmbeddingCache(client: client, ttl: .seconds(60))
            let keys = uniqueKeys(48)
            let vectors = (0..<48).map { testVector($0) }
            await cache.set(Array(zip(keys, vectors)))
            let slots = keys.map { HashSlot.of(Self.prefix + $0.hex) }
            let victim = try #require(cluster.masterPort(ofSlot: slots[0]))
            let onVictim = slots.map { slot in cluster.masterPort(ofSlot: slot) == victim }
            // Replication is asynchronous: let the replicas catch up before the crash.
            try await waitUntil("replicas caught up", within: .seconds(10)) {
                cluster.nodes.allSatisfy { node in
                    ((try? LocalRedisCluster.cli(["-p", String(node.port), "dbsize"])) ?? "0").trimmingCharacters(in: .whitespacesAndNewlines) != "0"
                }
            }

            try cluster.crash(port: victim)
            let crashed = ContinuousClock.now
            var promoted: Duration?
            var refreshed: Duration?
            var slowest = Duration.zero
            while refreshed == nil || promoted == nil {
                let elapsed = ContinuousClock.now - crashed
                try #require(elapsed < .seconds(20), "no failover within 20 s (promoted: \(String(describing: promoted)))")
                let started = ContinuousClock.now
                let values = await cache.get(keys)
                slowest = max(slowest, ContinuousClock.now - started)
                for index in keys.indices where !onVictim[index] {
                    #expect(values[index] == vectors[index], "key \(index) on a live master missed")
                }
                if promoted == nil, let master = cluster.masterPort(ofSlot: slots[0]), master != victim { promoted = elapsed }
                if refreshed == nil, let master = client.slotMap?.master(of: slots[0]), master.port != victim,
                   values == vectors.map(Optional.some) {
                    refreshed = ContinuousClock.now - crashed
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            let lag = try #require(refreshed) - (try #require(promoted))
            print("redis cluster failover: replica promoted after \(promoted!), client serving every key after \(refreshed!), slowest read \(slowest)")
            #expect(lag < .seconds(2), "map refreshed \(lag) after the promotion")
            #expect(slowest < .seconds(1), "a read took \(slowest) during the failover")
            try await waitUntil("ready again", within: .seconds(5)) { client.isConnected }
        }
    }
}
