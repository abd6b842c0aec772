import SmallyCache

/// The accounts side of one request, as the request path sees it: the quota is charged through
/// ``admit(embeddings:replies:)`` before any inference, and what was delivered is reported through
/// ``served(embeddings:tokens:cacheHits:)`` after. The caller passes it to
/// ``EmbeddingService/embed(texts:meter:client:)``; nil when accounts are off. Settling (giving
/// back what was admitted but not served, recording usage) is the conformer's business, once the
/// request has been answered.
public protocol EmbeddingMeter: Sendable {
    /// Whose cache entries this request may use under ``CacheScope/organization`` (its organization).
    var cacheScopeID: String? { get }

    /// Redis commands that decide the admission of `count` embeddings, which the caller sends in the
    /// same round trip as its L2 cache lookup and hands back to ``admit(embeddings:replies:)`` (nil:
    /// nothing to send — counters not in Redis, or an outage).
    func admissionCommands(embeddings count: Int) -> RedisBatch?

    /// Charges `count` embeddings, all or nothing (and counts the request against its key's minute
    /// when that was left to this call). `replies`: Redis's answers to
    /// ``admissionCommands(embeddings:)`` when the caller sent them, nil when not. Throws
    /// ``CoreError/quotaExceeded(_:)`` (nothing charged), ``CoreError/rateLimited(_:)`` or
    /// ``CoreError/quotaUnavailable``.
    func admit(embeddings count: Int, replies: [RESPValue]?) async throws(CoreError)

    /// Records what the request got: texts embedded, their tokens, and how many came from a cache.
    func served(embeddings: Int, tokens: Int, cacheHits: Int, model: String)
}

extension EmbeddingMeter {
    /// Charges `count` embeddings with the meter's own round trip (no cache lookup to ride along with).
    public func admit(embeddings count: Int) async throws(CoreError) {
        try await admit(embeddings: count, replies: nil)
    }
}
