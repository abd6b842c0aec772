import Foundation

/// Counters of one usage row (or a sum of rows). No request text is ever part of usage.
public struct UsageCounts: Sendable, Hashable {
    public var requests: Int
    /// Input texts embedded (cached answers included): what the monthly quota counts.
    public var embeddings: Int
    public var tokens: Int
    /// Embeddings answered from the cache (L1 or L2).
    public var cacheHits: Int

    public init(requests: Int = 0, embeddings: Int = 0, tokens: Int = 0, cacheHits: Int = 0) {
        self.requests = requests
        self.embeddings = embeddings
        self.tokens = tokens
        self.cacheHits = cacheHits
    }

    public static let zero = UsageCounts()

    public static func + (lhs: UsageCounts, rhs: UsageCounts) -> UsageCounts {
        UsageCounts(requests: lhs.requests + rhs.requests, embeddings: lhs.embeddings + rhs.embeddings,
                    tokens: lhs.tokens + rhs.tokens, cacheHits: lhs.cacheHits + rhs.cacheHits)
    }

    public static func += (lhs: inout UsageCounts, rhs: UsageCounts) { lhs = lhs + rhs }

    public var isZero: Bool { self == .zero }
}

/// One row of `usage_minutes`: an organization, a key, a minute and a model.
public struct UsageBucket: Sendable, Hashable {
    public var organizationID: String
    public var keyID: String
    /// Unix time of the minute's start (a multiple of 60).
    public var minute: Int64
    /// The served model's name ('' for usage recorded before models were recorded).
    public var model: String

    public init(organizationID: String, keyID: String, minute: Int64, model: String = "") {
        self.organizationID = organizationID
        self.keyID = keyID
        self.minute = minute
        self.model = model
    }

    public init(organizationID: String, keyID: String, at date: Date, model: String = "") {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        self.init(organizationID: organizationID, keyID: keyID, minute: seconds - ((seconds % 60) + 60) % 60, model: model)
    }
}

/// What the usage recorder writes in one transaction. Its `id` makes the write idempotent: a
/// batch retried after an ambiguous failure (committed, but the reply was lost) is applied once.
public struct UsageBatch: Sendable {
    public var id: String
    public var counts: [UsageBucket: UsageCounts]
    /// Latest use of each key in the batch, for `api_keys.last_used_at`.
    public var lastUsed: [String: Date]

    public init(id: String = Identifiers.make("batch"), counts: [UsageBucket: UsageCounts], lastUsed: [String: Date]) {
        self.id = id
        self.counts = counts
        self.lastUsed = lastUsed
    }

    public var totals: UsageCounts { counts.values.reduce(.zero, +) }

    /// The rows sorted by (organization, key, minute, model): the order in which every store writes them.
    /// Dictionary order differs from process to process, and two nodes upserting overlapping rows
    /// in different orders can deadlock in PostgreSQL; one global order makes that impossible.
    public var orderedCounts: [(bucket: UsageBucket, counts: UsageCounts)] {
        counts.sorted { $0.key < $1.key }.map { (bucket: $0.key, counts: $0.value) }
    }

    /// `lastUsed` sorted by key id, for the same reason.
    public var orderedLastUsed: [(keyID: String, at: Date)] {
        lastUsed.sorted { $0.key < $1.key }.map { (keyID: $0.key, at: $0.value) }
    }
}

extension UsageBucket: Comparable {
    /// Organization, then key, then minute, then model.
    public static func < (lhs: UsageBucket, rhs: UsageBucket) -> Bool {
        if lhs.organizationID != rhs.organizationID { return lhs.organizationID < rhs.organizationID }
        if lhs.keyID != rhs.keyID { return lhs.keyID < rhs.keyID }
        if lhs.minute != rhs.minute { return lhs.minute < rhs.minute }
        return lhs.model < rhs.model
    }
}

/// A model's totals over a period.
public struct ModelUsage: Sendable, Hashable {
    /// '' for usage recorded before models were recorded.
    public var model: String
    public var counts: UsageCounts

    public init(model: String, counts: UsageCounts) {
        self.model = model
        self.counts = counts
    }
}

/// A key's totals over a period.
public struct KeyUsage: Sendable, Hashable {
    public var keyID: String
    public var counts: UsageCounts

    public init(keyID: String, counts: UsageCounts) {
        self.keyID = keyID
        self.counts = counts
    }
}
