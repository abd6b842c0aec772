/// Hook for metrics, so the batcher does not depend on a metrics backend.
public protocol BatchObserver: Sendable {
    func batchCompleted(size: Int, tokens: Int, duration: Duration)
    func queueDepthChanged(_ depth: Int)
}
