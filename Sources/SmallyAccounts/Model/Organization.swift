import Foundation

/// A customer: owns API keys and a monthly quota shared by all of them.
public struct Organization: Sendable, Hashable {
    /// `org_` + 24 hex digits.
    public var id: String
    /// Unique, 1–64 characters of `A–Z a–z 0–9 . _ -`. What the CLI and admin API address it by.
    public var name: String
    public var tier: Tier
    /// Overrides the tier's monthly embedding quota when set.
    public var monthlyQuota: Int?
    /// Overrides the tier's per-key requests-per-minute limit when set.
    public var requestsPerMinute: Int?
    public var createdAt: Date

    public init(id: String = Identifiers.make("org"), name: String, tier: Tier, monthlyQuota: Int? = nil,
                requestsPerMinute: Int? = nil, createdAt: Date = Timestamps.now()) {
        self.id = id
        self.name = name
        self.tier = tier
        self.monthlyQuota = monthlyQuota
        self.requestsPerMinute = requestsPerMinute
        self.createdAt = createdAt
    }

    /// Checks an organization name (used as a CLI argument and in URLs).
    public static func validate(name: String) throws {
        guard (1...64).contains(name.utf8.count),
              name.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
                  || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D })
        else {
            throw AccountsError(.invalidArgument, "organization names are 1–64 characters of A–Z, a–z, 0–9, '.', '_' and '-'")
        }
    }
}

/// Random identifiers for rows: a type prefix and 24 hex digits (96 random bits).
public enum Identifiers {
    public static func make(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        var text = prefix + "_"
        for _ in 0..<12 {
            let byte = UInt8.random(in: 0...255, using: &generator)
            text += String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16)
        }
        return text
    }
}

/// Times are kept at millisecond precision, so that both stores return exactly what was written.
public enum Timestamps {
    public static func now() -> Date { truncate(Date()) }

    public static func truncate(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    /// The nearest millisecond: undoes the microsecond rounding of a PostgreSQL round trip.
    public static func nearestMillisecond(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    public static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
