import Foundation
import SmallyAccounts

/// Inline SVG drawn on the server: embeddings per day (bars) and the month's quota (a bar).
/// Readable without colour: one dark fill on white, labelled axes and gridlines, and each bar's
/// value in its `<title>`; the page puts the same figures in a table beside it.
enum UsageChart {
    // A narrow drawing, so that its labels stay legible when a 360 px screen scales it down.
    static let width = 480.0, height = 220.0
    static let left = 40.0, right = 8.0, top = 10.0, bottom = 28.0

    /// Bars of `days` (oldest first).
    static func daily(_ days: [DailyUsage]) -> String {
        let values = days.map(\.counts.embeddings)
        let scale = niceMaximum(values.max() ?? 0)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let slot = plotWidth / Double(max(1, days.count))
        var svg = """
            <svg class="chart" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-labelledby="chart-title chart-desc" \
            xmlns="http://www.w3.org/2000/svg">
            <title id="chart-title">Embeddings per day, last \(days.count) days</title>
            <desc id="chart-desc">\(describe(days))</desc>

            """
        for step in 0...4 {
            let value = scale * step / 4
            let y = top + plotHeight - plotHeight * Double(step) / 4
            svg += "<line class=\"grid\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y))\" y2=\"\(f(y))\"/>"
            svg += "<text class=\"axis\" x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(ConsoleFormat.short(value))</text>\n"
        }
        for (index, day) in days.enumerated() {
            let value = day.counts.embeddings
            let barHeight = scale == 0 ? 0 : plotHeight * Double(value) / Double(scale)
            let x = left + slot * Double(index) + slot * 0.15
            let y = top + plotHeight - barHeight
            svg += "<rect class=\"bar\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(slot * 0.7))\" height=\"\(f(max(barHeight, value > 0 ? 1 : 0)))\">"
            svg += "<title>\(ConsoleFormat.day(day.day)): \(ConsoleFormat.number(value)) embeddings</title></rect>\n"
            if index % 5 == 0 || index == days.count - 1 {
                let last = index == days.count - 1
                let x = last ? width - right : left + slot * (Double(index) + 0.5)
                svg += "<text class=\"axis\" x=\"\(f(x))\" y=\"\(f(height - bottom + 17))\" text-anchor=\"\(last ? "end" : "middle")\">\(ConsoleFormat.monthDay(day.day))</text>\n"
            }
        }
        svg += "<line class=\"baseline\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(top + plotHeight))\" y2=\"\(f(top + plotHeight))\"/>\n"
        svg += "</svg>"
        return svg
    }

    /// A horizontal bar: `used` of `limit`, with the share written beside it by the page.
    static func quota(used: Int, limit: Int) -> String {
        let share = limit > 0 ? min(1, Double(used) / Double(limit)) : (used > 0 ? 1 : 0)
        let over = limit > 0 && used >= limit
        return """
            <svg class="quota" viewBox="0 0 400 20" preserveAspectRatio="none" aria-hidden="true" xmlns="http://www.w3.org/2000/svg">\
            <rect class="track" x="0" y="0" width="400" height="20"/>\
            <rect class="\(over ? "fill over" : "fill")" x="0" y="0" width="\(f(400 * share))" height="20"/></svg>
            """
    }

    /// A round upper bound for the axis (1, 2 or 5 × 10ⁿ, at least 4 so that quarters are whole).
    static func niceMaximum(_ value: Int) -> Int {
        guard value > 4 else { return 4 }
        var magnitude = 1
        while magnitude * 10 <= value { magnitude *= 10 }
        // Divisible by 4: the gridlines at quarters then carry whole numbers.
        for factor in [1, 2, 4, 5, 8, 10] where factor * magnitude >= value && (factor * magnitude) % 4 == 0 { return factor * magnitude }
        return 10 * magnitude
    }

    static func describe(_ days: [DailyUsage]) -> String {
        let total = days.reduce(0) { $0 + $1.counts.embeddings }
        guard let peak = days.max(by: { $0.counts.embeddings < $1.counts.embeddings }), total > 0 else {
            return "No embeddings in these days."
        }
        return "\(ConsoleFormat.number(total)) embeddings in all; the busiest day was \(ConsoleFormat.day(peak.day)) with \(ConsoleFormat.number(peak.counts.embeddings))."
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
