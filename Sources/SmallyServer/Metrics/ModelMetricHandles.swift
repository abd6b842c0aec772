import CoreMetrics
import SmallyCore
import Synchronization

/// The per-model metrics, made once per model (as `RequestMetricHandles` does per route):
/// `smally_embeddings_total{model, source}` (what each model served, by where it came from:
/// `l1`, `l2` or `inference`), `smally_model_batches_total{model}` and
/// `smally_model_inference_seconds{model}` (forward passes and their durations),
/// `smally_queue_timeouts_total{model}` (texts refused after waiting past `SMALLY_MAX_QUEUE_MS`).
final class ModelMetricHandles: Sendable {
    struct Handles: Sendable {
        let l1: CoreMetrics.Counter
        let l2: CoreMetrics.Counter
        let inferred: CoreMetrics.Counter
        let batches: CoreMetrics.Counter
        let inference: CoreMetrics.Timer
        let shed: CoreMetrics.Counter

        func served(_ status: CacheStatus) -> CoreMetrics.Counter {
            switch status {
            case .l1: l1
            case .l2: l2
            case .miss: inferred
            }
        }
    }

    private let factory: any MetricsFactory
    private let made = Mutex<[String: Handles]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func handles(model: String) -> Handles {
        if let handles = made.withLock({ $0[model] }) { return handles }
        // Made outside the lock (the factory takes its own); a race makes the same metric twice, harmlessly.
        func served(_ source: String) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: "smally_embeddings_total", dimensions: [("model", model), ("source", source)], factory: factory)
        }
        let handles = Handles(
            l1: served("l1"), l2: served("l2"), inferred: served("inference"),
            batches: CoreMetrics.Counter(label: "smally_model_batches_total", dimensions: [("model", model)], factory: factory),
            inference: CoreMetrics.Timer(label: "smally_model_inference_seconds", dimensions: [("model", model)], factory: factory),
            shed: CoreMetrics.Counter(label: "smally_queue_timeouts_total", dimensions: [("model", model)], factory: factory)
        )
        made.withLock { $0[model] = handles }
        return handles
    }
}
