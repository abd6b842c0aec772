import CoreMetrics
import Prometheus
import SmallyCore
import Synchronization

/// The service's metrics, created from one factory. `smally serve` bootstraps a Prometheus
/// factory once for the process and passes the same registry here for `/metrics`; tests build
/// their own registry, so nothing global is touched.
public struct ServerMetrics: Sendable, BatchObserver, EmbeddingObserver {
    public let registry: PrometheusCollectorRegistry
    let factory: any MetricsFactory
    let inferenceLatency: CoreMetrics.Timer
    let batchSize: CoreMetrics.Recorder
    let batchTokens: CoreMetrics.Recorder
    let queueDepth: CoreMetrics.Gauge
    let queueWait: CoreMetrics.Timer
    let cacheHitsL1: CoreMetrics.Counter
    let cacheHitsL2: CoreMetrics.Counter
    let cacheMisses: CoreMetrics.Counter
    let tokenCount: CoreMetrics.Recorder
    let requestHandles: RequestMetricHandles
    let modelHandles: ModelMetricHandles

    /// A Prometheus factory over `registry` with buckets chosen for this service: request and
    /// inference latencies from 0.25 ms to 5 s, batch sizes and token counts in powers of two.
    public static func prometheusFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(5),
        ]
        // Redis round trips are tens of microseconds on a LAN; the default buckets start at 250 µs.
        factory.durationHistogramBuckets["smally_redis_command_duration_seconds"] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250),
        ]
        factory.valueHistogramBuckets["smally_batch_size"] = [1, 2, 4, 8, 16, 32, 64, 128, 256]
        factory.valueHistogramBuckets["smally_token_count"] = [4, 8, 16, 32, 64, 128, 256, 512]
        factory.valueHistogramBuckets["smally_batch_tokens"] = [16, 64, 256, 1024, 2048, 4096, 8192, 16384]
        return factory
    }

    /// - Parameters:
    ///   - factory: defaults to a Prometheus factory over `registry`.
    public init(registry: PrometheusCollectorRegistry, factory: (any MetricsFactory)? = nil) {
        let factory = factory ?? Self.prometheusFactory(registry: registry)
        self.registry = registry
        self.factory = factory
        inferenceLatency = CoreMetrics.Timer(label: "smally_inference_latency_seconds", factory: factory)
        batchSize = CoreMetrics.Recorder(label: "smally_batch_size", factory: factory)
        batchTokens = CoreMetrics.Recorder(label: "smally_batch_tokens", factory: factory)
        queueDepth = CoreMetrics.Gauge(label: "smally_queue_depth", factory: factory)
        queueWait = CoreMetrics.Timer(label: "smally_queue_wait_seconds", factory: factory)
        cacheHitsL1 = CoreMetrics.Counter(label: "smally_cache_hits_total", dimensions: [("level", "l1")], factory: factory)
        cacheHitsL2 = CoreMetrics.Counter(label: "smally_cache_hits_total", dimensions: [("level", "l2")], factory: factory)
        cacheMisses = CoreMetrics.Counter(label: "smally_cache_misses_total", factory: factory)
        tokenCount = CoreMetrics.Recorder(label: "smally_token_count", factory: factory)
        requestHandles = RequestMetricHandles(factory: factory)
        modelHandles = ModelMetricHandles(factory: factory)
    }

    /// One finished HTTP request, labelled by route template (never the raw URI).
    func request(route: String, status: Int, duration: Duration) {
        let handles = requestHandles.handles(route: route, status: status)
        handles.requests.increment()
        handles.latency.recordNanoseconds(duration.nanoseconds)
    }

    func error(type: String) {
        CoreMetrics.Counter(label: "smally_errors_total", dimensions: [("type", type)], factory: factory).increment()
    }

    public func embedded(_ status: CacheStatus, tokens: Int, model: String) {
        modelHandles.handles(model: model).served(status).increment()
        switch status {
        case .l1: cacheHitsL1.increment()
        case .l2: cacheHitsL2.increment()
        case .miss: cacheMisses.increment()
        }
        tokenCount.record(tokens)
    }

    public func batchCompleted(model: String, size: Int, tokens: Int, duration: Duration) {
        let handles = modelHandles.handles(model: model)
        handles.batches.increment()
        handles.inference.recordNanoseconds(duration.nanoseconds)
        batchSize.record(size)
        batchTokens.record(tokens)
        inferenceLatency.recordNanoseconds(duration.nanoseconds)
    }

    public func queueDepthChanged(_ depth: Int) {
        queueDepth.record(depth)
    }

    public func queueWaited(_ duration: Duration) {
        queueWait.recordNanoseconds(duration.nanoseconds)
    }

    /// Texts refused with 503 `queue_timeout` (`SMALLY_MAX_QUEUE_MS`), per model.
    public func shed(model: String, texts: Int) {
        modelHandles.handles(model: model).shed.increment(by: texts)
    }

    /// The Prometheus text exposition of everything registered.
    func exposition() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16 * 1024)
        registry.emit(into: &bytes)
        return bytes
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}

/// The per-request metrics of each route and status, made once. Making them through the factory on
/// every request (a registry lookup keyed by label strings, under the registry's lock) was ~1 % of
/// a cached request's CPU. Route templates and status codes are few, so this stays small.
final class RequestMetricHandles: Sendable {
    private struct Key: Hashable {
        let route: String
        let status: Int
    }

    typealias Handles = (requests: CoreMetrics.Counter, latency: CoreMetrics.Timer)

    private let factory: any MetricsFactory
    private let made = Mutex<[Key: Handles]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func handles(route: String, status: Int) -> Handles {
        let key = Key(route: route, status: status)
        if let handles = made.withLock({ $0[key] }) { return handles }
        // Made outside the lock (the factory takes its own); a race makes the same metric twice, harmlessly.
        let handles = (CoreMetrics.Counter(label: "smally_requests_total", dimensions: [("route", route), ("status", String(status))], factory: factory),
                       CoreMetrics.Timer(label: "smally_request_latency_seconds", dimensions: [("route", route)], factory: factory))
        made.withLock { $0[key] = handles }
        return handles
    }
}
