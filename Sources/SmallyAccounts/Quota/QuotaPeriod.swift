import Foundation

/// Calendar arithmetic of the limits, all in UTC: monthly quotas reset at 00:00 UTC on the 1st,
/// per-minute limits at each whole minute.
public enum QuotaPeriod {
    public struct Interval: Sendable, Hashable {
        public var start: Date
        public var end: Date
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    public static func month(containing date: Date) -> Interval {
        let components = calendar.dateComponents([.year, .month], from: date)
        let start = calendar.date(from: components)!
        let end = calendar.date(byAdding: .month, value: 1, to: start)!
        return Interval(start: start, end: end)
    }

    /// `YYYY-MM` → that month; nil when malformed.
    public static func month(named label: String) -> Interval? {
        let parts = label.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let month = Int(parts[1]),
              (1...12).contains(month), year >= 1970 else { return nil }
        guard let start = calendar.date(from: DateComponents(year: year, month: month, day: 1)) else { return nil }
        return Interval(start: start, end: calendar.date(byAdding: .month, value: 1, to: start)!)
    }

    /// `YYYY-MM` of the month containing `date`.
    public static func label(of date: Date) -> String {
        let components = calendar.dateComponents([.year, .month], from: date)
        let month = components.month!
        return "\(components.year!)-\(month < 10 ? "0" : "")\(month)"
    }

    public static func minute(containing date: Date) -> Interval {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let start = seconds - seconds.truncatingRemainder(dividingBy: 60)
        return Interval(start: Date(timeIntervalSince1970: start), end: Date(timeIntervalSince1970: start + 60))
    }
}
