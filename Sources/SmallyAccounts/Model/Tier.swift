import SmallyConfiguration

/// A price tier. Each has a monthly embedding quota and a per-minute request limit per key;
/// an organization may override either (see ``Organization``).
public enum Tier: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case free
    case pro
    case scale

    public var description: String { rawValue }
}

/// The limits of each tier. Configurable through the environment (see `.env.example`).
///
/// Defaults:
/// | tier  | embeddings / month | requests / minute / key |
/// |-------|-------------------:|------------------------:|
/// | free  |             20,000 |                      60 |
/// | pro   |            100,000 |                     600 |
/// | scale |          2,000,000 |                   3,000 |
public struct TierLimits: Sendable, Hashable {
    public struct Limits: Sendable, Hashable {
        /// Embeddings (input texts, cached ones included) per calendar month (UTC) per organization.
        public var embeddingsPerMonth: Int
        /// Requests per minute per API key.
        public var requestsPerMinute: Int

        public init(embeddingsPerMonth: Int, requestsPerMinute: Int) {
            self.embeddingsPerMonth = embeddingsPerMonth
            self.requestsPerMinute = requestsPerMinute
        }
    }

    public var free = Limits(embeddingsPerMonth: 20_000, requestsPerMinute: 60)
    public var pro = Limits(embeddingsPerMonth: 100_000, requestsPerMinute: 600)
    public var scale = Limits(embeddingsPerMonth: 2_000_000, requestsPerMinute: 3_000)

    public init() {}

    public static let defaults = TierLimits()

    public subscript(tier: Tier) -> Limits {
        get {
            switch tier {
            case .free: free
            case .pro: pro
            case .scale: scale
            }
        }
        set {
            switch tier {
            case .free: free = newValue
            case .pro: pro = newValue
            case .scale: scale = newValue
            }
        }
    }

    /// The limits that apply to `organization`: its tier's, replaced by its overrides where set.
    public func effective(for organization: Organization) -> Limits {
        var limits = self[organization.tier]
        if let quota = organization.monthlyQuota { limits.embeddingsPerMonth = quota }
        if let perMinute = organization.requestsPerMinute { limits.requestsPerMinute = perMinute }
        return limits
    }

    /// Environment variable names, e.g. `TIER_PRO_EMBEDDINGS_PER_MONTH`, `TIER_PRO_REQUESTS_PER_MINUTE`.
    public static func variableNames(for tier: Tier) -> (monthly: String, perMinute: String) {
        let name = tier.rawValue.uppercased()
        return ("TIER_\(name)_EMBEDDINGS_PER_MONTH", "TIER_\(name)_REQUESTS_PER_MINUTE")
    }

    /// Reads the `TIER_*` variables; missing ones keep their defaults.
    public init(reading reader: inout EnvironmentReader) throws(ConfigurationError) {
        for tier in Tier.allCases {
            let names = Self.variableNames(for: tier)
            self[tier].embeddingsPerMonth = try reader.int(names.monthly, default: self[tier].embeddingsPerMonth,
                                                           in: 0...1_000_000_000_000)
            self[tier].requestsPerMinute = try reader.int(names.perMinute, default: self[tier].requestsPerMinute, in: 1...10_000_000)
        }
    }
}
