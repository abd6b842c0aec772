/// Hook for metrics on what the service served, so the core does not depend on a metrics backend.
public protocol EmbeddingObserver: Sendable {
    /// One input of a request for `model` (its name): where its result came from and its token count.
    func embedded(_ status: CacheStatus, tokens: Int, model: String)
}
