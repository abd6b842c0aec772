/// Hook for metrics, so the batcher does not depend on a metrics backend.
public protocol BatchObserver: Sendable {
    /// One batch of `model` (its name) computed.
    func batchCompleted(model: String, size: Int, tokens: Int, duration: Duration)
    func queueDepthChanged(_ depth: Int)
    /// `texts` waiters of `model` refused because their work waited past the queue deadline.
    func shed(model: String, texts: Int)
}

extension BatchObserver {
    public func shed(model: String, texts: Int) {}
}
