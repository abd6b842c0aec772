import Foundation
import SmallyAccounts
@testable import SmallyServer
import Testing

/// The console's pure parts: form decoding, number formats, the chart's scale and drawing.
@Suite("console parts")
struct ConsolePartsTests {
    @Test("form bodies: + is a space, escapes decoded, the first of a repeated name wins, malformed escapes kept")
    func formBody() {
        let form = FormBody("name=a+b%20c%26d&role=admin&role=embed&empty=&bare&bad=%zz%4")
        #expect(form["name"] == "a b c&d")
        #expect(form["role"] == "admin")
        #expect(form["empty"] == "" && form.trimmed("empty") == nil)
        #expect(form["bare"] == "")
        #expect(form["bad"] == "%zz%4")
        #expect(FormBody("csrf=%E2%9C%93")["csrf"] == "✓")
    }

    @Test("numbers and shares as the pages write them")
    func formats() {
        #expect(ConsoleFormat.number(0) == "0" && ConsoleFormat.number(1_234_567) == "1,234,567" && ConsoleFormat.number(-1_000) == "-1,000")
        #expect(ConsoleFormat.short(1_500) == "1.5k" && ConsoleFormat.short(2_000_000) == "2M" && ConsoleFormat.short(40) == "40")
        #expect(ConsoleFormat.percent(2, of: 20_000) == "< 0.1" && ConsoleFormat.percent(50, of: 200) == "25"
                && ConsoleFormat.percent(1, of: 200) == "0.5" && ConsoleFormat.percent(5, of: 0) == "100")
        #expect(ConsoleFormat.day(Date(timeIntervalSince1970: 20_000 * 86_400)) == "2024-10-04")
    }

    @Test("the chart: a round scale, one bar per day with its value in words, the quota bar capped at full")
    func chart() {
        #expect([0, 3, 5, 11, 99, 101, 2_500].map(UsageChart.niceMaximum) == [4, 4, 8, 20, 100, 200, 4_000])
        let start = Date(timeIntervalSince1970: 20_000 * 86_400)
        let days = (0..<30).map { DailyUsage(day: start.addingTimeInterval(Double($0) * 86_400), counts: UsageCounts(embeddings: $0 == 29 ? 7 : 0)) }
        let svg = UsageChart.daily(days)
        #expect(svg.components(separatedBy: "<rect class=\"bar\"").count == 31)
        #expect(svg.contains("<title>2024-11-02: 7 embeddings</title>") && svg.contains("busiest day was 2024-11-02 with 7"))
        #expect(UsageChart.quota(used: 50, limit: 10).contains(#"class="fill over" x="0" y="0" width="400.0""#))
        #expect(UsageChart.quota(used: 5, limit: 10).contains(#"width="200.0""#))
    }
}
