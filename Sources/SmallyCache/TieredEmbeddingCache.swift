/// L1 (in-process LRU) in front of an optional shared L2 (Redis).
///
/// `get` answers from L1 and asks L2 only for L1's misses, in one batch; L2 hits are copied into L1 so the
/// next request on this node stays local. `set` writes both tiers.
public struct TieredEmbeddingCache: EmbeddingCache {
    public let l1: LRUCache<[Float]>
    public let l2: (any EmbeddingCache)?

    public init(l1: LRUCache<[Float]>, l2: (any EmbeddingCache)?) {
        self.l1 = l1
        self.l2 = l2
    }

    /// Which tier answered a lookup.
    public enum Level: Sendable, Equatable {
        case l1
        case l2
    }

    public func get(_ keys: [CacheKey]) async -> [[Float]?] {
        await lookup(keys).map { $0?.vector }
    }

    /// Like `get`, also saying which tier each hit came from (for `x-cache` and metrics).
    public func lookup(_ keys: [CacheKey]) async -> [(vector: [Float], level: Level)?] {
        await self.lookup(keys, alongside: nil).hits
    }

    /// `lookup`, with Redis `commands` sent in the L2 round trip when there is one
    /// (``EmbeddingCache/get(_:alongside:)``); `replies` nil when they were not sent (every key was in
    /// L1, no L2, or the round trip failed).
    public func lookup(_ keys: [CacheKey], alongside commands: RedisBatch?) async
        -> (hits: [(vector: [Float], level: Level)?], replies: [RESPValue]?) {
        // One lock per chunk of keys (LRUCache's batched path), not one per key.
        var results: [(vector: [Float], level: Level)?] = self.l1.values(for: keys).map { hit in hit.map { ($0, .l1) } }
        guard let l2 = self.l2 else { return (results, nil) }
        let missing = results.indices.filter { results[$0] == nil }
        guard !missing.isEmpty else { return (results, nil) }
        let (fetched, replies) = await l2.get(missing.map { keys[$0] }, alongside: commands)
        var promoted: [(CacheKey, [Float])] = []
        for (position, vector) in zip(missing, fetched) {
            guard let vector else { continue }
            results[position] = (vector, .l2)
            promoted.append((keys[position], vector))
        }
        if !promoted.isEmpty { self.l1.store(promoted) }
        return (results, replies)
    }

    public func set(_ entries: [(CacheKey, [Float])]) async {
        self.l1.store(entries)
        await self.l2?.set(entries)
    }
}
