/// Hook for metrics, so the batcher does not depend on a metrics backend.
public protocol BatchObserver: Sendable {
    /// One batch of `model` (its name) computed.
    func batchCompleted(model: String, size: Int, tokens: Int, duration: Duration)
    func queueDepthChanged(_ depth: Int)
    /// `texts` waiters of `model` refused because their work waited past the queue deadline.
    func shed(model: String, texts: Int)
    /// One text's wait in the queue, from submission until its batch started.
    func queueWaited(_ duration: Duration)
}

extension BatchObserver {
    public func shed(model: String, texts: Int) {}
    public func queueWaited(_ duration: Duration) {}
}
