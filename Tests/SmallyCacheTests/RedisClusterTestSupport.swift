import Metrics
import SmallyTestSupport

@testable import SmallyCache

/// Runs a cluster client for the duration of `body`, waiting first until it serves every slot.
func withRunningCluster<T: Sendable>(
    _ configuration: RedisClusterConfiguration,
    metrics: any MetricsFactory = MetricsSystem.factory,
    _ body: (RedisClusterClient) async throws -> T
) async throws -> T {
    try await withRunning(RedisClusterClient(configuration: configuration, logger: quietLogger, metricsFactory: metrics), body)
}
