import Foundation
import Hummingbird
import HummingbirdTesting
import SmallyCache
@testable import SmallyServer
import SmallyConfiguration
import SmallyTestSupport
import Synchronization
import Testing

/// `REDIS_URL=redis+sentinel://...` through the HTTP layer: 1 master + 1 replica + 3 sentinels started
/// by the test (Debian's redis-server), the master SIGKILLed under load.
@Suite("Redis Sentinel failover", .serialized, .enabled(if: !RedisTestEnvironment.skip))
struct SentinelFailoverTests {
    @Test("master killed under load: 0 failed embedding requests, /ready comes back, L2 writes land on the new master")
    func masterKilledUnderLoad() async throws {
        // Passwords on both: the URL's for the data nodes, REDIS_SENTINEL_PASSWORD's for the sentinels.
        let setup = try await LocalSentinelSetup.start(dataPassword: "data-pw", sentinelPassword: "sentinel-pw")
        defer { setup.terminate() }
        let newPort = setup.replica.port
        let configuration = ServerTestSupport.configuration {
            $0.redisURL = setup.url
            $0.redisSentinelPassword = "sentinel-pw"
            $0.l1CacheSize = 0  // every text goes to Redis
        }
        try await ServerTestSupport.app(configuration).test(.router) { client in
            try await RedisCacheTests.waitForReady(client, .ok)
            let load = HTTPLoad()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var index = 0
                        while !load.stop.load(ordering: .relaxed) {
                            let response = try await ServerTestSupport.post(client, "/v1/embed", "{\"text\": \"load \(worker) \(index % 50)\"}")
                            if response.status == .ok { load.served.add(1, ordering: .relaxed) } else { load.failed.add(1, ordering: .relaxed) }
                            index += 1
                        }
                    }
                }
                try await waitUntil("load running", within: .seconds(30)) { load.served.load(ordering: .relaxed) > 20 }
                let start = ContinuousClock.now
                try setup.kill(port: setup.master.port)
                try await waitUntil("the sentinels to promote the replica", within: .seconds(30)) { setup.masterPort() == newPort }
                try await RedisCacheTests.waitForReady(client, .ok)
                print("sentinel HTTP: /ready again \(ContinuousClock.now - start) after the master was killed; \(load.served.load(ordering: .relaxed)) requests served")
                try await Task.sleep(for: .milliseconds(500))  // some load on the new master
                load.stop.store(true, ordering: .relaxed)
                try await group.waitForAll()
            }
            #expect(load.failed.load(ordering: .relaxed) == 0)

            // New texts are written to the new master.
            let before = Int(try LocalSentinelSetup.cli(port: newPort, password: "data-pw", ["DBSIZE"]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            for index in 0..<5 {
                let response = try await ServerTestSupport.post(client, "/v1/embed", "{\"text\": \"after the failover \(index) \(UInt64.random(in: 0...UInt64.max))\"}")
                #expect(response.status == .ok)
            }
            try await waitUntil("5 new keys on the new master", within: .seconds(10)) {
                let now = Int((try? LocalSentinelSetup.cli(port: newPort, password: "data-pw", ["DBSIZE"]))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? -1
                return now >= before + 5
            }
        }
    }

    @Test("REDIS_SENTINEL_PASSWORD and rediss+sentinel are read; misuse is refused naming the variable")
    func configuration() throws {
        let parsed = try ServerConfiguration(environment: [
            "REDIS_URL": "rediss+sentinel://s1:26379,s2:26379/mymaster", "REDIS_SENTINEL_PASSWORD": "sentinel-secret",
            "REDIS_TLS_CA_FILE": "/etc/ca.pem",
        ])
        #expect(parsed.redisSentinelPassword == "sentinel-secret")
        #expect(parsed.redisTLS.caFile == "/etc/ca.pem")
        #expect {
            _ = try ServerConfiguration(environment: ["REDIS_URL": "redis://cache", "REDIS_SENTINEL_PASSWORD": "x"])
        } throws: { error in
            "\(error)".contains("REDIS_SENTINEL_PASSWORD")
        }
        #expect {
            _ = try ServerTestSupport.app(ServerTestSupport.configuration { $0.redisURL = "redis+sentinel://s1:26379" })
        } throws: { error in
            "\(error)".contains("REDIS_URL") && "\(error)".contains("master-name")
        }
    }
}

/// Shared by the load tasks of a test and the test itself.
private final class HTTPLoad: Sendable {
    let stop = Atomic<Bool>(false)
    let served = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
}
