import Foundation
import MetricsTestKit
import NIOCore
import Synchronization
import Testing

@testable import SmallyCache
import SmallyTestSupport

/// `redis+sentinel://` against real processes: 1 master + 1 replica + 3 sentinels (Debian's
/// redis-server), `down-after-milliseconds` 1000, all on free loopback ports.
@Suite(.serialized, .enabled(if: !RedisTestEnvironment.skip))
struct SentinelIntegrationTests {
    private static func configuration(_ setup: LocalSentinelSetup) throws -> RedisConfiguration {
        var config = try RedisConfiguration(url: setup.url)
        config.connectTimeout = .seconds(1)
        config.commandTimeout = .seconds(1)
        config.poolSize = 2
        return config
    }

    @Test("the master is found through the sentinels; commands and metrics go to it") func resolvesMaster() async throws {
        let setup = try await LocalSentinelSetup.start()
        defer { setup.terminate() }
        let metrics = TestMetrics()
        let client = RedisClient(configuration: try Self.configuration(setup), logger: quietLogger, metricsFactory: metrics)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            defer { group.cancelAll() }
            try await waitUntil("connected", within: .seconds(30)) { client.isConnected }
            _ = try await client.send(["SET", "sentinel-test", "on the master"])
            #expect(try LocalSentinelSetup.cli(port: setup.master.port, ["GET", "sentinel-test"]).contains("on the master"))
            #expect(try await Self.port(of: client) == setup.master.port)
            let timer = try metrics.expectTimer("smally_redis_command_duration_seconds", [("node", "127.0.0.1:\(setup.master.port)")])
            #expect(timer.values.count >= 2)
        }
    }

    @Test("a sentinel URL naming an unknown master never connects") func unknownMaster() async throws {
        let setup = try await LocalSentinelSetup.start(waitForFailover: false)
        defer { setup.terminate() }
        var config = try Self.configuration(setup)
        config.sentinel?.masterName = "no-such-master"
        let client = RedisClient(configuration: config, logger: quietLogger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await client.run() }
            try? await Task.sleep(for: .seconds(1))
            #expect(!client.isConnected)
            await #expect(throws: RedisError.self) { try await client.ping() }
            group.cancelAll()
        }
    }

    @Test("SENTINEL FAILOVER under load: the client follows the new master, L2 writes land there")
    func gracefulFailover() async throws {
        try await Self.failover("SENTINEL FAILOVER", try await LocalSentinelSetup.start()) { setup in try setup.failover() }
    }

    @Test("master killed (SIGKILL) under load: the client follows the promoted replica, L2 writes land there")
    func masterKilled() async throws {
        try await Self.failover("SIGKILL", try await LocalSentinelSetup.start()) { setup in try setup.kill(port: setup.master.port) }
    }

    @Test("passwords on the data nodes (URL) and on the sentinels (their own); a failover is followed")
    func passwords() async throws {
        let setup = try await LocalSentinelSetup.start(dataPassword: "data-pw", sentinelPassword: "sentinel-pw")
        // Without the sentinels' password nothing connects: every sentinel refuses to name the master.
        let client = RedisClient(configuration: try Self.configuration(setup), logger: quietLogger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await client.run() }
            try? await Task.sleep(for: .seconds(1))
            #expect(!client.isConnected)
            group.cancelAll()
        }
        try await Self.failover("SENTINEL FAILOVER with passwords", setup, sentinelPassword: "sentinel-pw") { setup in try setup.failover() }
    }

    @Test("rediss+sentinel: TLS to the sentinels and the data nodes; a failover is followed")
    func tls() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let setup = try await LocalSentinelSetup.start(tls: certificates)
        #expect(setup.url.hasPrefix("rediss+sentinel://"))
        try await Self.failover("SENTINEL FAILOVER over TLS", setup, tls: RedisTLS(caFile: certificates.caFile)) { setup in try setup.failover() }
    }

    @Test("a sentinel down from the start: the others name the master and announce the switch")
    func oneSentinelDown() async throws {
        let setup = try await LocalSentinelSetup.start()
        setup.killSentinel(0)
        try await Self.failover("SENTINEL FAILOVER, one sentinel down", setup) { setup in try setup.failover() }
    }

    /// Runs cache traffic, triggers the failover, measures when the sentinels name the new master and when
    /// the client first writes to it, then checks where the data and the metrics went.
    private static func failover(_ name: String, _ setup: LocalSentinelSetup, sentinelPassword: String? = nil, tls: RedisTLS? = nil,
                                 trigger: (LocalSentinelSetup) throws -> Void) async throws {
        defer { setup.terminate() }
        let metrics = TestMetrics()
        var configuration = try Self.configuration(setup)
        configuration.sentinel?.password = sentinelPassword
        if let tls { try configuration.setTLS(tls) }
        let client = RedisClient(configuration: configuration, logger: quietLogger, metricsFactory: metrics)
        let cache = RedisEmbeddingCache(client: client, ttl: .seconds(600))
        let oldPort = setup.master.port
        let newPort = setup.replica.port  // INFO's tcp_port, and a plain-text port to read back from
        let newNode = setup.nodePort(setup.replica)  // what the sentinels name (the TLS port with TLS)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            defer { group.cancelAll() }
            try await waitUntil("connected", within: .seconds(30)) { client.isConnected }

            // Load: four writers/readers, as the L2 of a busy node would be.
            let load = LoadState()
            for worker in 0..<4 {
                group.addTask {
                    var round = 0
                    while !load.stop.load(ordering: .relaxed) {
                        let keys = uniqueKeys(4, model: "load-\(worker)-\(round)")
                        await cache.set(keys.enumerated().map { ($1, testVector($0)) })
                        _ = await cache.get(keys)
                        load.rounds.add(1, ordering: .relaxed)
                        round += 1
                        try await Task.sleep(for: .milliseconds(5))
                    }
                }
            }
            try await waitUntil("load running", within: .seconds(10)) { load.rounds.load(ordering: .relaxed) > 20 }

            let start = ContinuousClock.now
            try trigger(setup)
            var sentinelsSwitched: Duration?
            var clientSwitched: Duration?
            while clientSwitched == nil || sentinelsSwitched == nil {
                if ContinuousClock.now - start > .seconds(30) { Issue.record("\(name): no switch to the new master within 30 s"); return }
                if sentinelsSwitched == nil, setup.masterPort() == newNode { sentinelsSwitched = ContinuousClock.now - start }
                if clientSwitched == nil, (try? await Self.port(of: client)) == newPort,
                    (try? await client.send(["SET", "sentinel-probe", "x"])) != nil {
                    clientSwitched = ContinuousClock.now - start
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            load.stop.store(true, ordering: .relaxed)
            let toSentinels = sentinelsSwitched!, toClient = clientSwitched!
            print("sentinel \(name): sentinels named the new master after \(toSentinels), the client wrote to it after \(toClient)")
            #expect(toClient < .seconds(15), "the client follows the new master within a few seconds")

            // L2 writes now land on the new master (read back there directly).
            let keys = uniqueKeys(5)
            await cache.set(keys.enumerated().map { ($1, testVector($0)) })
            var directConfiguration = RedisConfiguration(host: "127.0.0.1", port: newPort, password: setup.dataPassword)
            directConfiguration.commandTimeout = .seconds(2)
            let direct = RedisClient(configuration: directConfiguration, logger: quietLogger)
            group.addTask { try await direct.run() }
            try await waitUntil("direct client connected", within: .seconds(10)) { direct.isConnected }
            #expect(await RedisEmbeddingCache(client: direct, ttl: .seconds(60)).get(keys) == (0..<5).map { testVector($0) })

            // One switch counted; latency now recorded under the new master's node label.
            #expect(try metrics.expectCounter("smally_redis_sentinel_master_switches_total", [("master", LocalSentinelSetup.masterName)]).totalValue == 1)
            #expect(try metrics.expectTimer("smally_redis_command_duration_seconds", [("node", "127.0.0.1:\(newNode)")]).values.count > 0)
            #expect(oldPort != newPort)
        }
    }

    /// The port of the node `client` talks to (from `INFO server`).
    private static func port(of client: RedisClient) async throws -> Int? {
        let info = try await client.send(["INFO", "server"]).string ?? ""
        let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("tcp_port:") }
        return line.flatMap { Int($0.dropFirst("tcp_port:".count)) }
    }
}

/// Shared by the load tasks of a test and the test itself.
private final class LoadState: Sendable {
    let stop = Atomic<Bool>(false)
    let rounds = Atomic<Int>(0)
}
