/// A least-recently-used map with a fixed capacity, O(1) per operation: a dictionary to slot
/// indices plus a doubly linked recency list over the slot arrays. Not thread-safe: the owner
/// keeps it under its own lock (``KeyAuthenticator`` does, with its other state).
///
/// (`SmallyCache.LRUCache` is keyed by 32-byte digests built from token ids and has no public
/// initialiser from raw bytes, so the key caches use this small generic one.)
struct BoundedLRU<Key: Hashable, Value> {
    let capacity: Int
    private var index: [Key: Int] = [:]
    private var keys: [Key] = []
    private var values: [Value] = []
    private var previous: [Int] = []
    private var next: [Int] = []
    /// Most and least recently used slots; -1 when empty.
    private var newest = -1
    private var oldest = -1

    init(capacity: Int) {
        precondition(capacity >= 0, "capacity must be ≥ 0")
        self.capacity = capacity
    }

    var count: Int { index.count }

    /// The value, marking it most recently used.
    mutating func get(_ key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        touch(slot)
        return values[slot]
    }

    /// The value without changing recency.
    func peek(_ key: Key) -> Value? {
        index[key].map { values[$0] }
    }

    /// Inserts or replaces; when full, the least recently used entry makes room.
    mutating func set(_ key: Key, _ value: Value) {
        guard capacity > 0 else { return }
        if let slot = index[key] {
            values[slot] = value
            touch(slot)
            return
        }
        let slot: Int
        if keys.count < capacity {
            slot = keys.count
            keys.append(key)
            values.append(value)
            previous.append(-1)
            next.append(-1)
        } else {
            slot = oldest
            unlink(slot)
            index[keys[slot]] = nil
            keys[slot] = key
            values[slot] = value
        }
        index[key] = slot
        pushNewest(slot)
    }

    mutating func remove(_ key: Key) {
        guard let slot = index.removeValue(forKey: key) else { return }
        unlink(slot)
        // Move the last slot into the hole so the arrays stay dense.
        let last = keys.count - 1
        if slot != last {
            let wasNewest = newest == last, wasOldest = oldest == last
            keys[slot] = keys[last]
            values[slot] = values[last]
            previous[slot] = previous[last]
            next[slot] = next[last]
            if previous[slot] >= 0 { next[previous[slot]] = slot }
            if next[slot] >= 0 { previous[next[slot]] = slot }
            if wasNewest { newest = slot }
            if wasOldest { oldest = slot }
            index[keys[slot]] = slot
        }
        keys.removeLast()
        values.removeLast()
        previous.removeLast()
        next.removeLast()
    }

    mutating func removeAll() {
        index.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        previous.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        newest = -1
        oldest = -1
    }

    private mutating func touch(_ slot: Int) {
        guard slot != newest else { return }
        unlink(slot)
        pushNewest(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let before = previous[slot], after = next[slot]
        if before >= 0 { next[before] = after } else { newest = after }
        if after >= 0 { previous[after] = before } else { oldest = before }
        previous[slot] = -1
        next[slot] = -1
    }

    /// `previous` points towards newer entries, `next` towards older ones.
    private mutating func pushNewest(_ slot: Int) {
        previous[slot] = -1
        next[slot] = newest
        if newest >= 0 { previous[newest] = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}
