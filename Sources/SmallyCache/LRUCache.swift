import Synchronization

/// O(1) LRU, safe under concurrency (exclusive Synchronization.Mutex; every get reorders, so no reader lock).
/// Capacity in entries; capacity 0 disables the cache (get always misses, set does nothing, no locking).
///
/// Layout: a doubly linked recency list threaded through arrays by `Int32` index (not one object per
/// entry), plus `[CacheKey: Int32]`. All arrays and the dictionary are reserved up front; they fill during
/// warm-up and slots are reused on eviction, so after warm-up `get`/`set` allocate nothing. Values
/// displaced by `set` are released after the lock is dropped, keeping deallocation out of the critical
/// section. A single lock is enough at our request rates; shard by key if profiles ever show contention.
public final class LRUCache<Value: Sendable>: Sendable {
    public let capacity: Int
    private let storage: Mutex<Storage>

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
        _ = self.storage.withLock { $0.set(key, value, capacity: self.capacity) }
    }

    public var count: Int {
        self.storage.withLock { $0.index.count }
    }

    /// Keys from most to least recently used (tests and debugging; O(n)).
    var keysByRecency: [CacheKey] {
        self.storage.withLock { storage in
            var keys: [CacheKey] = []
            var i = storage.head
            while i != Storage.none {
                keys.append(storage.nodes[Int(i)].key)
                i = storage.nodes[Int(i)].next
            }
            return keys
        }
    }
}

extension LRUCache {
    fileprivate struct Node {
        var key: CacheKey
        var prev: Int32
        var next: Int32
    }

    fileprivate struct Storage {
        static var none: Int32 { -1 }

        var index: [CacheKey: Int32]
        var nodes: [Node]
        var values: [Value?]
        /// Most recently used.
        var head: Int32 = Storage.none
        /// Least recently used: the next to evict.
        var tail: Int32 = Storage.none

        init(capacity: Int) {
            self.index = [:]
            self.index.reserveCapacity(capacity)
            self.nodes = []
            self.nodes.reserveCapacity(capacity)
            self.values = []
            self.values.reserveCapacity(capacity)
        }

        mutating func get(_ key: CacheKey) -> Value? {
            guard let i = self.index[key] else { return nil }
            self.moveToFront(i)
            return self.values[Int(i)]
        }

        /// Inserts or overwrites `key` as most recent; returns the value it displaced (overwritten or evicted).
        mutating func set(_ key: CacheKey, _ value: Value, capacity: Int) -> Value? {
            if let i = self.index[key] {
                let old = self.values[Int(i)]
                self.values[Int(i)] = value
                self.moveToFront(i)
                return old
            }
            if self.nodes.count < capacity {
                let i = Int32(self.nodes.count)
                self.nodes.append(Node(key: key, prev: Self.none, next: Self.none))
                self.values.append(value)
                self.index[key] = i
                self.pushFront(i)
                return nil
            }
            // Full: reuse the least recently used slot.
            let i = self.tail
            self.unlink(i)
            self.index.removeValue(forKey: self.nodes[Int(i)].key)
            self.nodes[Int(i)].key = key
            let old = self.values[Int(i)]
            self.values[Int(i)] = value
            self.index[key] = i
            self.pushFront(i)
            return old
        }

        private mutating func moveToFront(_ i: Int32) {
            guard self.head != i else { return }
            self.unlink(i)
            self.pushFront(i)
        }

        private mutating func unlink(_ i: Int32) {
            let prev = self.nodes[Int(i)].prev
            let next = self.nodes[Int(i)].next
            if prev != Self.none { self.nodes[Int(prev)].next = next } else { self.head = next }
            if next != Self.none { self.nodes[Int(next)].prev = prev } else { self.tail = prev }
            self.nodes[Int(i)].prev = Self.none
            self.nodes[Int(i)].next = Self.none
        }

        private mutating func pushFront(_ i: Int32) {
            self.nodes[Int(i)].prev = Self.none
            self.nodes[Int(i)].next = self.head
            if self.head != Self.none { self.nodes[Int(self.head)].prev = i }
            self.head = i
            if self.tail == Self.none { self.tail = i }
        }
    }
}
