import Metrics
import Synchronization

/// Ended spans waiting for the exporter: bounded, so a slow or absent collector costs spans (counted
/// in `smally_trace_spans_dropped_total`), never a blocked request or unbounded memory.
public final class SpanBuffer: Sendable {
    private struct State {
        var spans: [FinishedSpan] = []
    }

    private let state = Mutex(State())
    public let capacity: Int
    private let dropped: Counter

    public init(capacity: Int = 16_384, metricsFactory: (any MetricsFactory)? = nil) {
        self.capacity = capacity
        dropped = metricsFactory.map { Counter(label: "smally_trace_spans_dropped_total", factory: $0) }
            ?? Counter(label: "smally_trace_spans_dropped_total")
    }

    /// Adds one span, or drops it (counted) when the buffer is full.
    public func append(_ span: FinishedSpan) {
        let kept = state.withLock { state -> Bool in
            guard state.spans.count < capacity else { return false }
            state.spans.append(span)
            return true
        }
        if !kept { dropped.increment() }
    }

    /// Spans lost after they left the buffer (an export that failed).
    public func countDropped(_ spans: Int) { dropped.increment(by: Int64(spans)) }

    /// Takes up to `limit` spans, oldest first.
    public func take(upTo limit: Int) -> [FinishedSpan] {
        state.withLock { state in
            let count = min(limit, state.spans.count)
            defer { state.spans.removeFirst(count) }
            return Array(state.spans.prefix(count))
        }
    }

    public var count: Int { state.withLock { $0.spans.count } }
}
