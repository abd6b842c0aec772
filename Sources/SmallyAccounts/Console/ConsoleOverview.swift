import Foundation

/// What the console's overview page of one organization shows: this month's usage against the
/// quota and embeddings per UTC day over the last 30 days (summed by the database).
public struct ConsoleOverview: Sendable {
    public var report: AccountsAdmin.UsageReport
    /// One entry per day, oldest first, days without usage as zeros (always `days` entries).
    public var days: [DailyUsage]

    public static let chartDays = 30

    /// Reads the report (with this node's unwritten usage) and the per-day sums.
    public static func load(_ organization: Organization, admin: AccountsAdmin, days count: Int = chartDays) async throws -> ConsoleOverview {
        let now = admin.now()
        let report = try await admin.usage(of: organization, month: QuotaPeriod.month(containing: now))
        let today = floor(now.timeIntervalSince1970 / 86_400) * 86_400
        let from = Date(timeIntervalSince1970: today - Double(count - 1) * 86_400)
        let to = Date(timeIntervalSince1970: today + 86_400)
        let rows = try await admin.store.dailyUsage(organizationID: organization.id, from: from, to: to)
        return ConsoleOverview(report: report, days: fill(rows, from: from, count: count))
    }

    /// `count` consecutive days from `from` (midnight UTC), each with its row's counts or zeros.
    public static func fill(_ rows: [DailyUsage], from: Date, count: Int) -> [DailyUsage] {
        let byDay = Dictionary(rows.map { (Int(($0.day.timeIntervalSince1970 / 86_400).rounded(.down)), $0.counts) }, uniquingKeysWith: +)
        let first = Int((from.timeIntervalSince1970 / 86_400).rounded(.down))
        return (0..<count).map { offset in
            DailyUsage(day: Date(timeIntervalSince1970: TimeInterval((first + offset) * 86_400)), counts: byDay[first + offset] ?? .zero)
        }
    }
}
