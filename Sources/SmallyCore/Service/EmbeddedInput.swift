import SmallyCache

/// One text's embedding with what the API reports about it.
public struct EmbeddedInput: Sendable {
    /// Pooled, *unnormalised* vector; routes normalise on the way out.
    public var vector: [Float]
    public var tokens: Int
    public var truncated: Bool
    public var cache: CacheStatus
    /// The text's cache key (model id + token ids); nil when no cache is configured.
    public var key: CacheKey?

    public init(vector: [Float], tokens: Int, truncated: Bool, cache: CacheStatus, key: CacheKey?) {
        self.vector = vector
        self.tokens = tokens
        self.truncated = truncated
        self.cache = cache
        self.key = key
    }
}
