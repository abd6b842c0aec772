import Foundation

/// The usage recorder's state, a plain value: events are summed per (organization, key, minute)
/// bucket, so memory grows with active buckets, not with requests. A batch taken for writing
/// stays "in flight" — and is retried with the same id — until the store confirms it.
public struct UsageBuffer: Sendable {
    /// Most buckets held (pending + in flight); events that need a new bucket beyond it are dropped.
    public let maxBuckets: Int
    public private(set) var pending: [UsageBucket: UsageCounts] = [:]
    private var pendingLastUsed: [String: Date] = [:]
    public private(set) var inFlight: UsageBatch?
    /// Events dropped because the buffer was full, since the last ``takeDropped()``.
    public private(set) var dropped = 0

    public init(maxBuckets: Int) {
        self.maxBuckets = maxBuckets
    }

    public var bucketCount: Int { pending.count + (inFlight?.counts.count ?? 0) }
    public var isEmpty: Bool { pending.isEmpty && inFlight == nil }

    /// Adds an event; false when it was dropped (buffer full).
    @discardableResult
    public mutating func record(_ bucket: UsageBucket, _ counts: UsageCounts, at date: Date) -> Bool {
        if let existing = pending[bucket] {
            pending[bucket] = existing + counts
        } else {
            guard bucketCount < maxBuckets else {
                dropped += 1
                return false
            }
            pending[bucket] = counts
        }
        if let last = pendingLastUsed[bucket.keyID] {
            if date > last { pendingLastUsed[bucket.keyID] = date }
        } else {
            pendingLastUsed[bucket.keyID] = date
        }
        return true
    }

    /// The batch to write next: the one in flight (a retry) or, if none, everything pending.
    /// A new batch gets `id` (default: a new one).
    public mutating func nextBatch(id: @autoclosure () -> String? = nil) -> UsageBatch? {
        if let inFlight { return inFlight }
        guard !pending.isEmpty else { return nil }
        let batch = UsageBatch(id: id() ?? Identifiers.make("batch"), counts: pending, lastUsed: pendingLastUsed)
        pending = [:]
        pendingLastUsed = [:]
        inFlight = batch
        return batch
    }

    /// The store confirmed the batch.
    public mutating func completed(_ batchID: String) {
        if inFlight?.id == batchID { inFlight = nil }
    }

    public mutating func takeDropped() -> Int {
        defer { dropped = 0 }
        return dropped
    }

    /// Not yet written usage of an organization in `from ..< to`, per key.
    public func unwritten(organizationID: String, from: Date, to: Date,
                          by group: KeyPath<UsageBucket, String> = \.keyID) -> [String: UsageCounts] {
        let lower = Int64(from.timeIntervalSince1970.rounded(.up))
        let upper = Int64(to.timeIntervalSince1970.rounded(.up))
        var result: [String: UsageCounts] = [:]
        func add(_ buckets: [UsageBucket: UsageCounts]) {
            for (bucket, counts) in buckets where bucket.organizationID == organizationID && bucket.minute >= lower && bucket.minute < upper {
                result[bucket[keyPath: group], default: .zero] += counts
            }
        }
        add(pending)
        if let inFlight { add(inFlight.counts) }
        return result
    }

    /// Totals of everything not yet written (for the log line when a final flush fails).
    public var unwrittenTotals: UsageCounts {
        pending.values.reduce(.zero, +) + (inFlight?.totals ?? .zero)
    }
}
