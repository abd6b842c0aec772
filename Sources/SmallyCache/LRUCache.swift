import Synchronization

/// O(1) LRU, safe under concurrency (exclusive Synchronization.Mutex; every get reorders, so no reader lock).
/// Capacity in entries; capacity 0 disables the cache (get always misses, set does nothing, no locking).
///
/// Layout (all buffers allocated once in `init`, so after warm-up `get`/`set` allocate nothing):
/// - `slots`: key + value per entry, filled in order during warm-up and reused on eviction;
/// - `links`: a circular doubly linked recency list by `Int32` slot index, with a sentinel after the last
///   slot (no "is this the head/tail" branches);
/// - `buckets`: an open-addressing table (linear probing, backward-shift deletion, at most half full)
///   mapping a key to its slot. A key's digest is uniformly random, so its first word is the hash; each
///   bucket keeps the word's top 32 bits next to the slot index, which lets a probe reject other keys and
///   a deletion recompute home buckets without touching `slots`.
///
/// Values displaced by `set` (overwritten or evicted) are released after the lock is dropped, keeping
/// deallocation out of the critical section. The batched paths (`values(for:)`, `store(_:)`, behind the
/// `EmbeddingCache` conformance) take the lock once per `batchChunk` keys rather than once per key.
/// A single lock is enough at our request rates; shard by key if profiles ever show contention.
public final class LRUCache<Value: Sendable>: Sendable {
    public let capacity: Int
    private let storage: Mutex<Storage>

    /// Keys per lock acquisition in the batched paths: amortises the lock while bounding how long another
    /// thread can wait, and sizes the on-stack buffer of displaced values.
    static var batchChunk: Int { 64 }

    public init(capacity: Int) {
        precondition(capacity >= 0 && capacity < Int(Int32.max), "LRUCache capacity must be in 0..<Int32.max")
        self.capacity = capacity
        self.storage = Mutex(Storage(capacity: capacity))
    }

    public func get(_ key: CacheKey) -> Value? {
        guard self.capacity > 0 else { return nil }
        return self.storage.withLock { $0.get(key) }
    }

    public func set(_ key: CacheKey, _ value: Value) {
        guard self.capacity > 0 else { return }
        // The displaced value (overwritten or evicted) is returned out of the lock and released here.
        _ = self.storage.withLock { $0.set(key, value) }
    }

    public var count: Int {
        self.storage.withLock { $0.count }
    }

    /// One result per key, in order, as if each key were looked up with `get(_:)` in turn.
    func values(for keys: [CacheKey]) -> [Value?] {
        guard self.capacity > 0 else { return Array(repeating: nil, count: keys.count) }
        return [Value?](unsafeUninitializedCapacity: keys.count) { out, initialized in
            keys.withUnsafeBufferPointer { keys in
                withUnsafeTemporaryAllocation(of: Int32.self, capacity: Self.batchChunk) { found in
                    var start = 0
                    while start < keys.count {
                        let batch = GetBatch(
                            keys: UnsafeBufferPointer(rebasing: keys[start..<min(start + Self.batchChunk, keys.count)]),
                            out: out.baseAddress! + start, found: found.baseAddress!)
                        self.storage.withLock { $0.get(batch) }
                        start += batch.keys.count
                        initialized = start
                    }
                }
            }
        }
    }

    /// Stores the entries in order, as if each were stored with `set(_:_:)` in turn.
    func store(_ entries: [(CacheKey, Value)]) {
        guard self.capacity > 0 else { return }
        entries.withUnsafeBufferPointer { entries in
            withUnsafeTemporaryAllocation(of: Value.self, capacity: Self.batchChunk) { displaced in
                var start = 0
                while start < entries.count {
                    let end = min(start + Self.batchChunk, entries.count)
                    let displacedCount = self.storage.withLock { storage in
                        var n = 0
                        for i in start..<end {
                            if let old = storage.set(entries[i].0, entries[i].1) {
                                (displaced.baseAddress! + n).initialize(to: old)
                                n += 1
                            }
                        }
                        return n
                    }
                    // Released here, outside the lock.
                    displaced.baseAddress!.deinitialize(count: displacedCount)
                    start = end
                }
            }
        }
    }

    /// Keys from most to least recently used (tests and debugging; O(n)).
    var keysByRecency: [CacheKey] {
        self.storage.withLock { storage in
            var keys: [CacheKey] = []
            keys.reserveCapacity(storage.count)
            let sentinel = Int32(storage.capacity)
            var i = storage.links[Int(sentinel)].next
            while i != sentinel {
                keys.append(storage.slots[Int(i)].key)
                i = storage.links[Int(i)].next
            }
            return keys
        }
    }
}

extension LRUCache {
    fileprivate struct Slot {
        var key: CacheKey
        var value: Value
    }

    /// One chunk of a batched get: pointers into `values(for:)`'s own buffers, used only while it holds the
    /// lock. (Unchecked because the region checker cannot see that handing raw pointers to the storage
    /// leaves nothing behind in it.)
    fileprivate struct GetBatch: @unchecked Sendable {
        let keys: UnsafeBufferPointer<CacheKey>
        /// `keys.count` uninitialized results.
        let out: UnsafeMutablePointer<Value?>
        /// Room for `keys.count` slot indices.
        let found: UnsafeMutablePointer<Int32>
    }

    fileprivate struct Link {
        var prev: Int32
        var next: Int32
    }

    /// Raw buffers rather than arrays: no copy-on-write uniqueness checks or retain/release of array
    /// buffers in the hot loop. Only ever accessed under the mutex.
    fileprivate struct Storage: ~Copyable {
        /// Top 32 bits of a bucket: the key's `w0 >> 32`. Bottom 32 bits: slot index + 1 (0 = empty).
        static var fingerprintMask: UInt64 { 0xFFFF_FFFF_0000_0000 }

        let capacity: Int
        /// `slots[0..<count]` are initialized.
        let slots: UnsafeMutablePointer<Slot>
        var count = 0
        /// `capacity + 1` links; `links[capacity]` is the sentinel: its `next` is the most recently used
        /// slot, its `prev` the least recently used (the next to evict).
        let links: UnsafeMutablePointer<Link>
        let buckets: UnsafeMutablePointer<UInt64>
        let bucketMask: Int
        /// `w0 >> homeShift` is a key's home bucket: the top log2(table size) bits (≤ 32, so always within
        /// the fingerprint a bucket stores).
        let homeShift: UInt64

        init(capacity: Int) {
            self.capacity = capacity
            self.slots = .allocate(capacity: max(capacity, 1))
            self.links = .allocate(capacity: capacity + 1)
            self.links[capacity] = Link(prev: Int32(capacity), next: Int32(capacity))
            // At least twice the capacity, so the table is at most half full and probe chains stay short.
            var bits = 3
            while 1 << bits < 2 * capacity { bits += 1 }
            self.buckets = .allocate(capacity: 1 << bits)
            self.buckets.initialize(repeating: 0, count: 1 << bits)
            self.bucketMask = (1 << bits) - 1
            self.homeShift = UInt64(64 - bits)
        }

        deinit {
            self.slots.deinitialize(count: self.count)
            self.slots.deallocate()
            self.links.deallocate()
            self.buckets.deallocate()
        }

        private var sentinel: Int32 { Int32(truncatingIfNeeded: self.capacity) }

        mutating func get(_ key: CacheKey) -> Value? {
            let (_, slot) = self.find(key)
            guard slot >= 0 else { return nil }
            self.moveToFront(slot)
            return self.slots[Int(slot)].value
        }

        /// `get` for each key in turn, initializing `out[i]`.
        ///
        /// Two passes: all the probes first, then the recency updates and value copies. Copying a value
        /// retains it, an atomic operation that memory accesses cannot be reordered across, so in a single
        /// pass each key's cache misses (bucket, slot) would wait for the previous key's retain; probing
        /// first lets them overlap. Probing changes nothing, so the slots found stay valid for pass two.
        mutating func get(_ batch: GetBatch) {
            for i in batch.keys.indices { batch.found[i] = self.find(batch.keys[i]).slot }
            for i in batch.keys.indices {
                let slot = batch.found[i]
                if slot >= 0 {
                    self.moveToFront(slot)
                    (batch.out + i).initialize(to: self.slots[Int(slot)].value)
                } else {
                    (batch.out + i).initialize(to: nil)
                }
            }
        }

        /// Inserts or overwrites `key` as most recent; returns the value it displaced (overwritten or evicted).
        mutating func set(_ key: CacheKey, _ value: Value) -> Value? {
            let (bucket, slot) = self.find(key)
            if slot >= 0 {
                var old = value
                swap(&old, &self.slots[Int(slot)].value)
                self.moveToFront(slot)
                return old
            }
            if self.count < self.capacity {
                let slot = self.count
                (self.slots + slot).initialize(to: Slot(key: key, value: value))
                self.count += 1
                self.buckets[bucket] = (key.w0 & Self.fingerprintMask) | UInt64(slot + 1)
                self.pushFront(Int32(truncatingIfNeeded: slot))
                return nil
            }
            // Full: reuse the least recently used slot. Its bucket goes first: the backward shift may empty
            // a bucket earlier in the new key's probe chain than `bucket`, so the new key is placed afterwards.
            let victim = self.links[Int(self.sentinel)].prev
            self.unlink(victim)
            self.removeBucket(at: self.bucket(of: victim))
            self.slots[Int(victim)].key = key
            var old = value
            swap(&old, &self.slots[Int(victim)].value)
            self.insertBucket(key.w0, slot: Int(victim))
            self.pushFront(victim)
            return old
        }

        // MARK: Hash table

        /// The bucket holding `key` and its slot, or the empty bucket ending its probe chain and -1.
        @inline(__always)
        private func find(_ key: CacheKey) -> (bucket: Int, slot: Int32) {
            let fingerprint = key.w0 & Self.fingerprintMask
            var b = Int(truncatingIfNeeded: key.w0 >> self.homeShift)
            while true {
                let entry = self.buckets[b]
                if entry == 0 { return (b, -1) }
                if entry & Self.fingerprintMask == fingerprint {
                    let slot = Int(truncatingIfNeeded: UInt32(truncatingIfNeeded: entry)) - 1
                    if self.slots[slot].key == key { return (b, Int32(truncatingIfNeeded: slot)) }
                }
                b = (b + 1) & self.bucketMask
            }
        }

        /// The bucket pointing at `slot` (which must be in the table), found without comparing keys.
        private func bucket(of slot: Int32) -> Int {
            let w0 = self.slots[Int(slot)].key.w0
            let entry = (w0 & Self.fingerprintMask) | UInt64(Int(slot) + 1)
            var b = Int(truncatingIfNeeded: w0 >> self.homeShift)
            while self.buckets[b] != entry { b = (b + 1) & self.bucketMask }
            return b
        }

        /// Places a key known to be absent in the first empty bucket of its probe chain.
        private mutating func insertBucket(_ w0: UInt64, slot: Int) {
            var b = Int(truncatingIfNeeded: w0 >> self.homeShift)
            while self.buckets[b] != 0 { b = (b + 1) & self.bucketMask }
            self.buckets[b] = (w0 & Self.fingerprintMask) | UInt64(slot + 1)
        }

        /// Backward-shift deletion: entries after the hole whose probe chain passes through it move back
        /// into it, so every chain stays unbroken without tombstones.
        private mutating func removeBucket(at removed: Int) {
            var hole = removed
            var b = removed
            while true {
                b = (b + 1) & self.bucketMask
                let entry = self.buckets[b]
                if entry == 0 { break }
                let home = Int(truncatingIfNeeded: entry >> self.homeShift)
                // The entry may fill the hole if its home is not after the hole (cyclically, up to `b`).
                if (b &- home) & self.bucketMask >= (b &- hole) & self.bucketMask {
                    self.buckets[hole] = entry
                    hole = b
                }
            }
            self.buckets[hole] = 0
        }

        // MARK: Recency list

        private mutating func moveToFront(_ i: Int32) {
            guard self.links[Int(self.sentinel)].next != i else { return }
            self.unlink(i)
            self.pushFront(i)
        }

        private mutating func unlink(_ i: Int32) {
            let link = self.links[Int(i)]
            self.links[Int(link.prev)].next = link.next
            self.links[Int(link.next)].prev = link.prev
        }

        private mutating func pushFront(_ i: Int32) {
            let first = self.links[Int(self.sentinel)].next
            self.links[Int(i)] = Link(prev: self.sentinel, next: first)
            self.links[Int(first)].prev = i
            self.links[Int(self.sentinel)].next = i
        }
    }
}
