import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import SmallyCache
import SmallyTestSupport

let quietLogger = Logger(label: "smally.cache.tests") { _ in SwiftLogNoOpLogHandler() }

/// Runs `client.run()` for the duration of `body`, waiting first until it is connected.
func withRunningClient<T: Sendable>(
    _ configuration: RedisConfiguration,
    waitForConnection: Bool = true,
    _ body: (RedisClient) async throws -> T
) async throws -> T {
    try await withRunning(RedisClient(configuration: configuration, logger: quietLogger), waitForConnection: waitForConnection, body)
}

/// Runs `client.run()` for the duration of `body`, waiting first until `isConnected` (for a cluster:
/// every slot's master connected).
func withRunning<Client: RedisExecutor, T: Sendable>(
    _ client: Client,
    waitForConnection: Bool = true,
    _ body: (Client) async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await client.run() }
        do {
            if waitForConnection {
                // Generous: with the whole suite starting at once on 2 cores, connecting once took
                // over 5 s (two tests timed out); when things work it returns at once anyway.
                try await waitUntil("client connected", within: .seconds(30)) { client.isConnected }
            }
            let result = try await body(client)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// A 384-dimension vector that differs per seed.
func testVector(_ seed: Int) -> [Float] {
    (0..<384).map { Float(seed) + Float($0) / 384 }
}

/// Keys unique to one test run, so parallel runs against a shared Redis never collide.
func uniqueKeys(_ count: Int, model: String = "test-\(UInt64.random(in: 0...UInt64.max))") -> [CacheKey] {
    (0..<count).map { CacheKey(model: model, tokenIDs: [Int32($0)]) }
}
