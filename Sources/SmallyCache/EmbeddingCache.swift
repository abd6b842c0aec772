/// A cache of embedding vectors by `CacheKey`.
///
/// Batch-shaped because requests carry batches: one L2 round trip serves a whole request.
/// Caching is an optimisation, never a source of failure: implementations never throw, and a failing
/// backend simply answers misses.
public protocol EmbeddingCache: Sendable {
    /// One entry per key, in order; `nil` is a miss.
    func get(_ keys: [CacheKey]) async -> [[Float]?]
    /// Stores the entries; errors are swallowed (and counted) by the implementation.
    func set(_ entries: [(CacheKey, [Float])]) async

    /// `get`, with Redis `commands` of another component sent in the same round trip when this cache
    /// reads Redis (the quota counters' check rides along with the L2 lookup); `replies` nil when they
    /// were not sent (no Redis here, or the round trip failed): the caller then sends them itself.
    func get(_ keys: [CacheKey], alongside commands: RedisBatch?) async -> (vectors: [[Float]?], replies: [RESPValue]?)
}

extension EmbeddingCache {
    public func get(_ keys: [CacheKey], alongside commands: RedisBatch?) async -> (vectors: [[Float]?], replies: [RESPValue]?) {
        (await self.get(keys), nil)
    }
}

/// The in-process LRU as an `EmbeddingCache` (L1 on its own, e.g. when no Redis is configured).
extension LRUCache: EmbeddingCache where Value == [Float] {
    // The batched paths lock once per chunk of keys instead of once per key.
    public func get(_ keys: [CacheKey]) async -> [[Float]?] {
        self.values(for: keys)
    }

    public func set(_ entries: [(CacheKey, [Float])]) async {
        self.store(entries)
    }
}
