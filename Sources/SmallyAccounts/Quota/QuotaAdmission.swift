import Foundation

/// Both counters a metered request passes, decided together: its key's requests this minute (when
/// not counted already) and its organization's embeddings this month. Together so that a limiter
/// whose counters are in Redis decides both in one round trip, and can let that round trip ride
/// along with the L2 cache lookup (``QuotaLimiter/commands(for:)``).
public struct QuotaAdmission: Sendable, Hashable {
    /// The key whose minute counts the request; nil when the request was counted already.
    public var keyID: String?
    public var requestsPerMinute: Int
    public var organizationID: String
    /// Embeddings charged to the month, all or nothing.
    public var embeddings: Int
    public var embeddingsPerMonth: Int
    public var now: Date

    public init(keyID: String?, requestsPerMinute: Int, organizationID: String, embeddings: Int, embeddingsPerMonth: Int, now: Date) {
        self.keyID = keyID
        self.requestsPerMinute = requestsPerMinute
        self.organizationID = organizationID
        self.embeddings = embeddings
        self.embeddingsPerMonth = embeddingsPerMonth
        self.now = now
    }

    /// What a ``QuotaAdmission`` decided.
    public struct Decision: Sendable, Hashable {
        /// The minute's decision; nil when the admission did not count the request.
        public var perMinute: LimitDecision?
        /// The month's decision; nil when the minute refused the request (nothing charged then).
        public var monthly: LimitDecision?

        public init(perMinute: LimitDecision?, monthly: LimitDecision?) {
            self.perMinute = perMinute
            self.monthly = monthly
        }
    }
}
