/// Hook for metrics on what the service served, so the core does not depend on a metrics backend.
public protocol EmbeddingObserver: Sendable {
    /// One text of a request: where its vector came from and its token count.
    func embedded(_ status: CacheStatus, tokens: Int)
}
