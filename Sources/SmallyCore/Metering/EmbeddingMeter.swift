/// The accounts side of one request, as the request path sees it: the monthly quota is charged
/// through ``admit(embeddings:)`` before any work, and what was delivered is reported through
/// ``served(embeddings:tokens:cacheHits:)`` after. The caller passes it to
/// ``EmbeddingService/embed(texts:meter:client:)``; nil when accounts are off. Settling (giving
/// back what was admitted but not served, recording usage) is the conformer's business, once the
/// request has been answered.
public protocol EmbeddingMeter: Sendable {
    /// Whose cache entries this request may use under ``CacheScope/organization`` (its organization).
    var cacheScopeID: String? { get }

    /// Charges `count` embeddings, all or nothing. Throws ``CoreError/quotaExceeded(_:)`` (nothing
    /// charged) or ``CoreError/quotaUnavailable``.
    func admit(embeddings count: Int) async throws(CoreError)

    /// Records what the request got: texts embedded, their tokens, and how many came from a cache.
    func served(embeddings: Int, tokens: Int, cacheHits: Int, model: String)
}
