import Foundation

/// An organization's totals for one UTC day, as the store sums them (in SQL).
public struct DailyUsage: Sendable, Hashable {
    /// Midnight UTC of the day.
    public var day: Date
    public var counts: UsageCounts

    public init(day: Date, counts: UsageCounts) {
        self.day = day
        self.counts = counts
    }
}
