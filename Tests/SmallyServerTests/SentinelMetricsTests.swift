import Prometheus
@testable import SmallyCache
import SmallyServer
import Testing

/// Under Sentinel the client replaces its per-node metrics when the master changes (A → B → A after two
/// failovers): the Prometheus registry must take the same names again with other `node` values.
@Suite struct SentinelMetricsTests {
    @Test("node metrics re-created for another node, and back, in the Prometheus registry") func nodeLabelFollows() {
        let registry = PrometheusCollectorRegistry()
        let factory = ServerMetrics.prometheusFactory(registry: registry)
        for node in ["10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.1:6379"] {
            let metrics = RedisNodeMetrics(node: node, factory: factory)
            metrics.duration.recordNanoseconds(200_000)
            metrics.reconnects.increment()
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        #expect(text.contains(#"smally_redis_reconnects_total{node="10.0.0.1:6379"} 2"#))
        #expect(text.contains(#"smally_redis_reconnects_total{node="10.0.0.2:6379"} 1"#))
        #expect(text.contains(#"smally_redis_command_duration_seconds_count{node="10.0.0.1:6379"} 2"#))
    }
}
