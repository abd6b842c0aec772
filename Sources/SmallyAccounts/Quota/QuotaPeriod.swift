import Foundation

/// Calendar arithmetic of the limits, all in UTC: monthly quotas reset at 00:00 UTC on the 1st,
/// per-minute limits at each whole minute.
public enum QuotaPeriod {
    public struct Interval: Sendable, Hashable {
        public var start: Date
        public var end: Date

        public init(start: Date, end: Date) {
            self.start = start
            self.end = end
        }
    }

    /// The UTC month around `date`. Plain integer arithmetic (proleptic Gregorian, Hinnant's
    /// civil-from-days): it runs on every authenticated request, where `Calendar` showed in profiles.
    public static func month(containing date: Date) -> Interval {
        let (year, month) = civil(of: date)
        return interval(year: year, month: month)
    }

    /// The UTC month `month` (1...12) of `year`.
    static func interval(year: Int, month: Int) -> Interval {
        let start = daysFromCivil(year: year, month: month)
        let end = month == 12 ? daysFromCivil(year: year + 1, month: 1) : daysFromCivil(year: year, month: month + 1)
        return Interval(start: Date(timeIntervalSince1970: Double(start) * 86_400),
                        end: Date(timeIntervalSince1970: Double(end) * 86_400))
    }

    /// Year and month (1...12) of `date` in UTC.
    static func civil(of date: Date) -> (year: Int, month: Int) {
        civil(fromDays: Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
    }

    /// Year and month (1...12) of the day `days` after 1970-01-01.
    static func civil(fromDays days: Int) -> (year: Int, month: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // March = 0
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month)
    }

    /// Days from 1970-01-01 to the first day of `month` in `year`.
    static func daysFromCivil(year: Int, month: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `YYYY-MM` → that month; nil when malformed.
    public static func month(named label: String) -> Interval? {
        let parts = label.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let month = Int(parts[1]),
              (1...12).contains(month), year >= 1970 else { return nil }
        return interval(year: year, month: month)
    }

    /// `YYYY-MM` of the month containing `date`.
    public static func label(of date: Date) -> String {
        let (year, month) = civil(of: date)
        return "\(year)-\(month < 10 ? "0" : "")\(month)"
    }

    public static func minute(containing date: Date) -> Interval {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let start = seconds - seconds.truncatingRemainder(dividingBy: 60)
        return Interval(start: Date(timeIntervalSince1970: start), end: Date(timeIntervalSince1970: start + 60))
    }
}
