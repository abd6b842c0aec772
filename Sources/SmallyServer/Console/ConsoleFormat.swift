import Foundation

/// How the console writes numbers and times (UTC, as usage is counted).
enum ConsoleFormat {
    /// 1234567 → "1,234,567".
    static func number(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    /// Axis labels: 1500 → "1.5k", 2000000 → "2M".
    static func short(_ value: Int) -> String {
        func trim(_ x: Double) -> String {
            let text = String(format: "%.1f", x)
            return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
        }
        if value >= 1_000_000 { return trim(Double(value) / 1_000_000) + "M" }
        if value >= 1_000 { return trim(Double(value) / 1_000) + "k" }
        return String(value)
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return part > 0 ? "100" : "0" }
        let share = Double(part) / Double(whole) * 100
        if share > 0 && share < 0.1 { return "< 0.1" }
        return share > 0 && share < 1 ? String(format: "%.1f", share) : String(Int(share.rounded(.down)))
    }

    private static let utc = TimeZone(identifier: "UTC")!

    static func components(_ date: Date) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        return calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
    }

    /// "2026-12-06".
    static func day(_ date: Date) -> String {
        let c = components(date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    /// "12-06" (axis labels).
    static func monthDay(_ date: Date) -> String {
        let c = components(date)
        return String(format: "%02d-%02d", c.month ?? 0, c.day ?? 0)
    }

    /// "2026-12-06 14:03" (UTC, as the pages say), or "—" for none.
    static func time(_ date: Date?) -> String {
        guard let date else { return "—" }
        let c = components(date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }
}
