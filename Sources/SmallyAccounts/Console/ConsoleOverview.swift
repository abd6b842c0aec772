import Foundation

/// What the console's overview page of one organization shows: this month's usage against the
/// quota and embeddings per UTC day over the last 30 days.
///
/// One query: the store sums the organization's rows per day (in SQL) from the earlier of the
/// month's start and the chart's first day; the month's totals are the sum of its days. This
/// node's usage not yet written is added per day, read with the recorder's commits paused (as
/// ``AccountsAdmin/usage(of:month:)`` does), so every event counts exactly once.
public struct ConsoleOverview: Sendable {
    public var organization: Organization
    public var month: QuotaPeriod.Interval
    public var limits: TierLimits.Limits
    /// This month's totals.
    public var totals: UsageCounts
    /// One entry per day, oldest first, days without usage as zeros (always `days` entries).
    public var days: [DailyUsage]

    public static let chartDays = 30

    public static func load(_ organization: Organization, admin: AccountsAdmin, days count: Int = chartDays) async throws -> ConsoleOverview {
        let now = admin.now()
        let month = QuotaPeriod.month(containing: now)
        let today = (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400
        let from = min(Date(timeIntervalSince1970: today - Double(count - 1) * 86_400), month.start)
        let to = Date(timeIntervalSince1970: today + 86_400)
        let dayCount = Int(((to.timeIntervalSince1970 - from.timeIntervalSince1970) / 86_400).rounded())
        let store = admin.store, timeout = admin.usageReadTimeout, organizationID = organization.id
        @Sendable func read() async throws -> [DailyUsage] {
            // Bounded: with a recorder, this runs holding its commit lock.
            try await withDeadline(timeout) { try await store.dailyUsage(organizationID: organizationID, from: from, to: to) }
        }
        let rows: [DailyUsage]
        if let recorder = admin.usageRecorder {
            rows = try await recorder.withCommitsPaused {
                var rows = try await read()
                for offset in 0..<dayCount {
                    let start = from.addingTimeInterval(Double(offset) * 86_400)
                    let unwritten = recorder.unwritten(organizationID: organizationID, from: start, to: start.addingTimeInterval(86_400))
                        .values.reduce(UsageCounts.zero, +)
                    if !unwritten.isZero { rows.append(DailyUsage(day: start, counts: unwritten)) }
                }
                return rows
            }
        } else {
            rows = try await read()
        }
        let all = fill(rows, from: from, count: dayCount)
        let totals = all.filter { $0.day >= month.start && $0.day < month.end }.reduce(UsageCounts.zero) { $0 + $1.counts }
        return ConsoleOverview(organization: organization, month: month, limits: admin.tierLimits.effective(for: organization),
                               totals: totals, days: Array(all.suffix(count)))
    }

    /// `count` consecutive days from `from` (midnight UTC), each with the sum of its rows or zeros.
    public static func fill(_ rows: [DailyUsage], from: Date, count: Int) -> [DailyUsage] {
        let byDay = Dictionary(rows.map { (Int(($0.day.timeIntervalSince1970 / 86_400).rounded(.down)), $0.counts) }, uniquingKeysWith: +)
        let first = Int((from.timeIntervalSince1970 / 86_400).rounded(.down))
        return (0..<count).map { offset in
            DailyUsage(day: Date(timeIntervalSince1970: TimeInterval((first + offset) * 86_400)), counts: byDay[first + offset] ?? .zero)
        }
    }
}
