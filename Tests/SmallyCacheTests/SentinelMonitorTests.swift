import Foundation
import MetricsTestKit
import Synchronization
import Testing

@testable import SmallyCache
import SmallyTestSupport

/// The `+switch-master` subscription on its own: a plain redis-server stands in for the sentinel, and
/// the test PUBLISHes the events a sentinel would.
@Suite(.serialized, .enabled(if: !RedisTestEnvironment.skip))
struct SentinelMonitorTests {
    typealias Address = RedisSentinelConfiguration.Address

    @Test("a +switch-master for our master is recorded, counted and closes the pool; others are ignored; the subscription comes back")
    func followsSwitchEvents() async throws {
        let server = try await LocalRedisServer.start()
        defer { server.terminate() }
        var configuration = server.configuration
        configuration.maxReconnectBackoff = .milliseconds(200)
        let sentinel = RedisSentinelConfiguration(sentinels: [Address(host: "127.0.0.1", port: server.port)], masterName: "m1")
        let metrics = TestMetrics()
        let monitor = SentinelMonitor(configuration: configuration, sentinel: sentinel, eventLoopGroup: .singletonMultiThreadedEventLoopGroup,
                                      logger: quietLogger, metricsFactory: metrics)
        let switches = SwitchCount()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await monitor.run(onSwitch: { switches.count.add(1, ordering: .relaxed) }) }
            defer { group.cancelAll() }
            try await waitUntil("subscribed", within: .seconds(10)) { monitor.isSubscribed }

            // The first address is a discovery, not a switch.
            _ = try LocalSentinelSetup.cli(port: server.port, ["PUBLISH", "+switch-master", "m1 10.0.0.1 6379 10.0.0.2 6380"])
            try await waitUntil("first master recorded", within: .seconds(5)) { monitor.master == Address(host: "10.0.0.2", port: 6380) }
            let generation = monitor.generation
            _ = try LocalSentinelSetup.cli(port: server.port, ["PUBLISH", "+switch-master", "other 10.0.0.2 6380 10.0.0.9 6390"])
            _ = try LocalSentinelSetup.cli(port: server.port, ["PUBLISH", "+switch-master", "m1 10.0.0.2 6380 10.0.0.3 6381"])
            try await waitUntil("switch recorded", within: .seconds(5)) { monitor.master == Address(host: "10.0.0.3", port: 6381) }
            #expect(monitor.generation == generation + 1)  // the other master's event changed nothing
            #expect(switches.count.load(ordering: .relaxed) == 1)
            #expect(try metrics.expectCounter("smally_redis_sentinel_master_switches_total", [("master", "m1")]).totalValue == 1)

            // The "sentinel" restarts: the monitor subscribes again and keeps following.
            try await server.shutdown()
            try await waitUntil("subscription lost", within: .seconds(10)) { !monitor.isSubscribed }
            try await server.start()
            try await waitUntil("subscribed again", within: .seconds(10)) { monitor.isSubscribed }
            _ = try LocalSentinelSetup.cli(port: server.port, ["PUBLISH", "+switch-master", "m1 10.0.0.3 6381 10.0.0.4 6382"])
            try await waitUntil("second switch recorded", within: .seconds(5)) { monitor.master == Address(host: "10.0.0.4", port: 6382) }
            #expect(switches.count.load(ordering: .relaxed) == 2)

            // A sentinel that stops answering without closing (a frozen process, a host gone): its PINGs
            // go unanswered, and after three intervals the subscription is dropped for the next sentinel.
            let info = try LocalSentinelSetup.cli(port: server.port, ["INFO", "server"])
            let pid = try #require(info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("process_id:") }.flatMap { Int32($0.dropFirst(11)) })
            try await waitUntil("subscribed before the freeze", within: .seconds(10)) { monitor.isSubscribed }
            kill(pid, SIGSTOP)
            defer { kill(pid, SIGCONT) }
            try await waitUntil("silent subscription dropped", within: .seconds(10)) { !monitor.isSubscribed }
        }
    }

    @Test("a backoff sleep ends early when the master changes") func sleepEndsOnSwitch() async throws {
        let sentinel = RedisSentinelConfiguration(sentinels: [Address(host: "127.0.0.1", port: 1)], masterName: "m1")
        let monitor = SentinelMonitor(configuration: RedisConfiguration(host: "127.0.0.1", port: 1), sentinel: sentinel,
                                      eventLoopGroup: .singletonMultiThreadedEventLoopGroup, logger: quietLogger, metricsFactory: TestMetrics())
        let start = ContinuousClock.now
        await monitor.sleep(for: .milliseconds(300), unlessSwitchedFrom: monitor.generation)
        #expect(ContinuousClock.now - start >= .milliseconds(300))
        // A generation other than the current one: the master changed meanwhile, no sleep at all.
        let early = ContinuousClock.now
        await monitor.sleep(for: .seconds(5), unlessSwitchedFrom: monitor.generation &+ 1)
        #expect(ContinuousClock.now - early < .seconds(1))
    }
}

private final class SwitchCount: Sendable {
    let count = Atomic<Int>(0)
}
