import Logging
import Metrics
import NIOCore
import Synchronization

/// L2: embeddings shared by all nodes through Redis.
///
/// - Keys: `<keyPrefix><CacheKey.hex>`, default `smally:emb:v1:<64 hex>`; bump `v1` if the value
///   format or the key derivation ever changes.
/// - Values: the vector as little-endian `Float32` bytes (1536 bytes for 384 dimensions).
/// - `get` is one `MGET` for the whole batch; `set` is one pipelined write of `SET key value EX ttl`.
///   On a Redis Cluster (`RedisClusterClient`) the keys spread over the slots; both are split per
///   master, one pipeline per master, sent at once.
/// - Bounded by the client's command timeout (100 ms by default). Any failure — Redis down, timeout,
///   error reply, malformed value — becomes a miss (or a skipped write), increments the counter
///   `smally_cache_errors_total{level="l2"}`, and is logged at debug level at most once per second.
public final class RedisEmbeddingCache: EmbeddingCache {
    private let client: any RedisExecutor
    private let ttlSeconds: Int
    private let keyPrefix: String
    private let errorCounter: Counter
    private let logger: Logger
    private let logThrottle = Mutex(LogThrottle(interval: .seconds(1)))

    /// The error counter is created here from `MetricsSystem`, so create the cache after bootstrapping metrics.
    ///
    /// - Parameters:
    ///   - ttl: Lifetime of each entry in Redis, rounded up to whole seconds (at least 1 s).
    ///   - keyPrefix: Namespace for the keys; include a version.
    public init(client: any RedisExecutor, ttl: Duration, keyPrefix: String = "smally:emb:v1:") {
        precondition(ttl > .zero, "RedisEmbeddingCache ttl must be positive")
        self.client = client
        let (seconds, attoseconds) = ttl.components
        self.ttlSeconds = max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
        self.keyPrefix = keyPrefix
        self.errorCounter = Counter(label: "smally_cache_errors_total", dimensions: [("level", "l2")])
        self.logger = client.logger
    }

    public func get(_ keys: [CacheKey]) async -> [[Float]?] {
        guard !keys.isEmpty else { return [] }
        do {
            return self.vectors(try await self.client.get(self.keyBatch(keys)), count: keys.count)
        } catch {
            self.recordError(error, operation: "get")
            return [[Float]?](repeating: nil, count: keys.count)
        }
    }

    /// `get`, with `commands` in the same round trip (``RedisExecutor/get(_:alongside:)``); their
    /// replies are nil when the round trip failed (the caller sends them again on its own).
    public func get(_ keys: [CacheKey], alongside commands: RedisBatch?) async -> (vectors: [[Float]?], replies: [RESPValue]?) {
        guard let commands, !keys.isEmpty else { return (await self.get(keys), nil) }
        do {
            let (values, replies) = try await self.client.get(self.keyBatch(keys), alongside: commands)
            return (self.vectors(values, count: keys.count), replies)
        } catch {
            self.recordError(error, operation: "get")
            return ([[Float]?](repeating: nil, count: keys.count), nil)
        }
    }

    private func keyBatch(_ keys: [CacheKey]) -> RedisBatch {
        let keyLength = self.keyPrefix.utf8.count + 64
        var batch = RedisBatch(capacity: 32 + keys.count * (keyLength + 16))
        for key in keys {
            batch.appendKey(length: keyLength) { buffer in self.writeKeyBytes(key, into: &buffer) }
        }
        return batch
    }

    /// The vectors of an `MGET`'s values; anything malformed is a miss, counted as an error.
    private func vectors(_ values: [RESPValue], count: Int) -> [[Float]?] {
        guard values.count == count else {
            self.recordError(RedisError(.unexpectedReply, message: "MGET answered \(values.count) values for \(count) keys"), operation: "get")
            return [[Float]?](repeating: nil, count: count)
        }
        return values.map { value -> [Float]? in
            switch value {
            case .bulkString(nil):
                return nil
            case .bulkString(let bytes?):
                if let vector = FloatVectorCoding.read(bytes) { return vector }
                self.recordError(RedisError(.unexpectedReply, message: "malformed vector of \(bytes.readableBytes) bytes"), operation: "get")
                return nil
            default:
                self.recordError(RedisError(.unexpectedReply, message: "MGET element \(value)"), operation: "get")
                return nil
            }
        }
    }

    public func set(_ entries: [(CacheKey, [Float])]) async {
        guard !entries.isEmpty else { return }
        let keyLength = self.keyPrefix.utf8.count + 64
        let ttl = String(self.ttlSeconds)
        let size = entries.reduce(0) { $0 + 64 + keyLength + $1.1.count * 4 + 32 }
        var batch = RedisBatch(capacity: size)
        for (key, vector) in entries {
            // SET <key> <f32 bytes> EX <ttl>, written straight into the pipeline buffer.
            batch.appendCommand { buffer in
                RESPEncoder.writeArrayHeader(count: 5, into: &buffer)
                RESPEncoder.writeBulkString("SET", into: &buffer)
                self.writeKey(key, length: keyLength, into: &buffer)
                RESPEncoder.writeBulkStringHeader(length: vector.count * 4, into: &buffer)
                FloatVectorCoding.write(vector, into: &buffer)
                RESPEncoder.writeCRLF(into: &buffer)
                RESPEncoder.writeBulkString("EX", into: &buffer)
                RESPEncoder.writeBulkString(ttl, into: &buffer)
            }
        }
        do {
            let replies = try await self.client.execute(batch)
            if let failure = replies.first(where: { $0 != .simpleString("OK") }) {
                self.recordError(RedisError(.unexpectedReply, message: "SET answered \(failure)"), operation: "set")
            }
        } catch {
            self.recordError(error, operation: "set")
        }
    }

    private func writeKey(_ key: CacheKey, length: Int, into buffer: inout ByteBuffer) {
        RESPEncoder.writeBulkStringHeader(length: length, into: &buffer)
        self.writeKeyBytes(key, into: &buffer)
        RESPEncoder.writeCRLF(into: &buffer)
    }

    private func writeKeyBytes(_ key: CacheKey, into buffer: inout ByteBuffer) {
        buffer.writeString(self.keyPrefix)
        key.writeHex(into: &buffer)
    }

    private func recordError(_ error: any Error, operation: String) {
        self.errorCounter.increment()
        let now = ContinuousClock.now
        if let suppressed = self.logThrottle.withLock({ $0.admit(now: now) }) {
            self.logger.debug(
                "Redis cache \(operation) failed; treating as a miss",
                metadata: ["error": "\(error)", "suppressed_since_last_log": "\(suppressed)"]
            )
        }
    }
}
