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
}

/// The in-process LRU as an `EmbeddingCache` (L1 on its own, e.g. when no Redis is configured).
extension LRUCache: EmbeddingCache where Value == [Float] {
    public func get(_ keys: [CacheKey]) async -> [[Float]?] {
        keys.map { self.get($0) }
    }

    public func set(_ entries: [(CacheKey, [Float])]) async {
        for (key, vector) in entries { self.set(key, vector) }
    }
}
