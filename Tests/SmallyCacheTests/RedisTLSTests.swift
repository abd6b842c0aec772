import Foundation
import Logging
import MetricsTestKit
import NIOCore
import Testing

@testable import SmallyCache
import SmallyTestSupport

/// `rediss://` against Debian's redis-server with `--tls-port` and certificates made here with openssl.
@Suite(.serialized, .enabled(if: !RedisTestEnvironment.skip))
struct RedisTLSTests {
    private func tlsConfiguration(_ server: LocalRedisServer, _ tls: RedisTLS) throws -> RedisConfiguration {
        var config = try RedisConfiguration(url: "rediss://127.0.0.1:\(server.tlsPort!)")
        config.connectTimeout = .seconds(2)
        config.commandTimeout = .seconds(2)
        config.poolSize = 1
        try config.setTLS(tls)
        return config
    }

    @Test("rediss with the CA file: commands work over TLS") func commandsOverTLS() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let server = try await LocalRedisServer.start(tls: certificates)
        defer { server.terminate() }
        let config = try tlsConfiguration(server, RedisTLS(caFile: certificates.caFile))
        try await withRunningClient(config) { client in
            _ = try await client.send(["SET", "tls-test", "secret value"])
            #expect(try await client.send(["GET", "tls-test"]) == .bulkString(ByteBuffer(string: "secret value")))
            // Pipelines and the L2 cache's pre-encoded path go over the same TLS connection.
            let cache = RedisEmbeddingCache(client: client, ttl: .seconds(60))
            let keys = uniqueKeys(3)
            await cache.set(keys.enumerated().map { ($1, testVector($0)) })
            #expect(await cache.get(keys) == (0..<3).map { testVector($0) })
        }
    }

    @Test("a server certificate from another CA is refused") func untrustedServerRefused() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let server = try await LocalRedisServer.start(tls: certificates)
        defer { server.terminate() }
        var config = try tlsConfiguration(server, RedisTLS(caFile: certificates.otherCAFile))
        #expect(await Self.neverConnects(config))
        // Insecure mode (development) accepts it.
        try config.setTLS(RedisTLS(caFile: certificates.otherCAFile, insecure: true))
        try await withRunningClient(config) { client in
            try await client.ping()
        }
    }

    @Test("client certificate when the server requires one") func clientCertificate() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let server = try await LocalRedisServer.start(tls: certificates, requireClientCertificate: true)
        defer { server.terminate() }
        let withoutCertificate = try tlsConfiguration(server, RedisTLS(caFile: certificates.caFile))
        #expect(await Self.neverConnects(withoutCertificate))
        let withCertificate = try tlsConfiguration(server, RedisTLS(
            caFile: certificates.caFile, certificateFile: certificates.clientCertificateFile, keyFile: certificates.clientKeyFile))
        try await withRunningClient(withCertificate) { client in
            try await client.ping()
        }
    }

    /// Runs a client for 1.5 s and reports whether it never got a usable connection.
    private static func neverConnects(_ config: RedisConfiguration) async -> Bool {
        let client = RedisClient(configuration: config, logger: quietLogger)
        return await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await client.run() }
            var connected = false
            let start = ContinuousClock.now
            while ContinuousClock.now - start < .milliseconds(1500) {
                // A TLS channel is active before its handshake ends; only a PING proves a connection usable.
                if client.isConnected, (try? await client.ping()) != nil { connected = true; break }
                try? await Task.sleep(for: .milliseconds(50))
            }
            group.cancelAll()
            return !connected
        }
    }
}

/// Per-node metrics of the client: latency, errors by kind, reconnects.
@Suite(.serialized, .enabled(if: !RedisTestEnvironment.skip))
struct RedisNodeMetricsTests {
    @Test("latency, errors and reconnects are counted per node") func perNodeMetrics() async throws {
        let server = try await LocalRedisServer.start()
        defer { server.terminate() }
        var config = server.configuration
        config.poolSize = 1
        let node = "127.0.0.1:\(server.port)"
        let metrics = TestMetrics()
        let client = RedisClient(configuration: config, logger: quietLogger, metricsFactory: metrics)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            try await waitUntil("connected", within: .seconds(30)) { client.isConnected }
            for _ in 0..<5 { try await client.ping() }
            await #expect(throws: RedisError.self) { try await client.send(["NOSUCHCOMMAND"]) }
            let timer = try metrics.expectTimer("smally_redis_command_duration_seconds", [("node", node)])
            #expect(timer.values.count == 6)
            #expect(timer.values.allSatisfy { $0 > 0 && $0 < 2_000_000_000 })
            #expect(try metrics.expectCounter("smally_redis_errors_total", [("node", node), ("kind", "server")]).totalValue == 1)

            // Redis goes away: refused commands are counted; when it returns, the reconnect is.
            try await server.shutdown()
            try await waitUntil("disconnected", within: .seconds(10)) { !client.isConnected }
            await #expect(throws: RedisError.self) { try await client.ping() }
            #expect(try metrics.expectCounter("smally_redis_errors_total", [("node", node), ("kind", "not_connected")]).totalValue >= 1)
            try await server.start()
            try await waitUntil("reconnected", within: .seconds(10)) { client.isConnected }
            #expect(try metrics.expectCounter("smally_redis_reconnects_total", [("node", node)]).totalValue == 1)
            group.cancelAll()
        }
    }
}
