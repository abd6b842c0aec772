import Foundation
import SmallyJSON
import SmallyTestSupport
import Testing

@Suite("JSONWriter")
struct JSONWriterTests {
    @Test("floats are written in shortest round-trip form and read back exactly")
    func floatsRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        let values: [Float] = [0, -0.0, 1, -1, 0.1, 1e-5, 3.4028235e38, .leastNormalMagnitude, .leastNonzeroMagnitude, 0.33333334, -0.0123456789]
            + (0..<2000).map { _ in Float.random(in: -1...1, using: &generator) }
        var writer = JSONWriter()
        writer.floats(values)
        let text = String(decoding: writer.bytes, as: UTF8.self)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [NSNumber])
        #expect(parsed.count == values.count)
        for (value, number) in zip(values, parsed) {
            #expect(Float(number.doubleValue) == value, "\(value) came back as \(number) in \(text.prefix(80))")
        }
        #expect(text.hasPrefix("[0.0,-0.0,1.0,-1.0,0.1,1e-05,"))
    }

    @Test("strings are escaped, structure has no stray commas")
    func structure() throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("text"); writer.string("quote \" backslash \\ newline \n tab \t bell \u{07} é 🍕")
        writer.key("ids"); writer.ints([Int32(101), 7592, 102])
        writer.key("ok"); writer.bool(true)
        writer.key("none"); writer.null()
        writer.key("nested"); writer.beginArray(); writer.beginObject(); writer.endObject(); writer.int(-42); writer.endArray()
        writer.key("nan"); writer.float(.nan)
        writer.endObject()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: Any])
        #expect(object["text"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{07} é 🍕")
        #expect(object["ids"] as? [Int] == [101, 7592, 102])
        #expect(object["ok"] as? Bool == true)
        #expect(object["none"] is NSNull)
        #expect((object["nested"] as? [Any])?.count == 2)
        #expect(object["nan"] is NSNull)
    }

    @Test("every finite float is written exactly as its description (random bit patterns and edge cases)")
    func floatsMatchDescription() {
        var generator = SplitMix64(seed: 15)
        let edges: [Float] = [0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
                              .leastNormalMagnitude.nextDown, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                              1, 2, 0.5, 1024, 16_777_216, 16_777_217, 1e-5, 1e-4, 9.999999e-5, 1e7, 1e16, 1e38,
                              .pi, -.ulpOfOne, 0.1, 0.2, 0.3]
        let random = (0..<200_000).map { _ in Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator)) }
        let values = (edges + random).filter(\.isFinite)
        var writer = JSONWriter()
        writer.floats(values)
        let expected = "[" + values.map(\.description).joined(separator: ",") + "]"
        #expect(String(decoding: writer.bytes, as: UTF8.self) == expected)
    }
}
