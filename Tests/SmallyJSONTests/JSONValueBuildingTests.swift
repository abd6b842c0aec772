import Foundation
import SmallyJSON
import Testing

/// The builders the admin API, `/v1/usage` and the CLI's `--json` use, and how they render.
@Suite("JSONValue building and rendering")
struct JSONValueBuildingTests {
    @Test("dates render as ISO 8601 in UTC to the second; a missing date is null")
    func dates() {
        let date = Date(timeIntervalSince1970: 1_795_993_800.75)  // 2026-11-29T23:10:00.75Z
        #expect(JSONValue.format(date) == "2026-11-29T23:10:00Z")
        #expect(JSONValue.date(date) == .string("2026-11-29T23:10:00Z"))
        #expect(JSONValue.date(nil) == .null)
        #expect(JSONValue.object([("created_at", .date(date)), ("revoked_at", .date(nil))]).rendered()
            == #"{"created_at":"2026-11-29T23:10:00Z","revoked_at":null}"#)
    }

    @Test("optional ints and strings render as the value or null")
    func optionals() {
        let quota: Int? = nil
        let name: String? = nil
        #expect(JSONValue.object([("limit", .int(20_000)), ("override", .int(quota)), ("name", .string(name)), ("n", .int(-7))]).rendered()
            == #"{"limit":20000,"override":null,"name":null,"n":-7}"#)
    }

    @Test("object members keep the order they were built in, nested too")
    func order() {
        let value = JSONValue.object([
            ("object", .string("list")), ("zeta", .bool(true)), ("alpha", .array([.int(1), .object([("b", .null), ("a", .int(2))])])),
        ])
        #expect(value.rendered() == #"{"object":"list","zeta":true,"alpha":[1,{"b":null,"a":2}]}"#)
        #expect(value["zeta"] == .bool(true) && value["missing"] == nil && JSONValue.int(1)["x"] == nil)
    }

    @Test("strings are escaped as before (control characters as lowercase \\u00xx) and read back the same")
    func escaping() throws {
        let text = "quote \" backslash \\ newline \n tab \t bell \u{07} esc \u{1B} é 🍕"
        let rendered = JSONValue.object([("text", .string(text))]).rendered()
        #expect(rendered == #"{"text":"quote \" backslash \\ newline \n tab \t bell \u0007 esc \u001b é 🍕"}"#)
        #expect(try JSONReader.parse(rendered)["text"] == .string(text))
    }

    @Test("numbers read by JSONReader are written back: integers as integers, others in shortest form")
    func numbers() throws {
        let value = try JSONReader.parse(#"{"i":128,"d":0.25,"e":1e300,"neg":-3}"#)
        #expect(value.rendered() == #"{"i":128,"d":0.25,"e":1e+300,"neg":-3}"#)
    }
}
