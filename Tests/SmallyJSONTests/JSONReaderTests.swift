import Foundation
import SmallyJSON
import SmallyTestSupport
import Testing

@Suite("JSONReader")
struct JSONReaderTests {
    @Test("documents parse to the values they spell", arguments: [
        (#"{"text": "hi", "normalize": true}"#, JSONValue.object(JSONObject(members: [
            .init(name: "text", value: .string("hi")), .init(name: "normalize", value: .bool(true)),
        ]))),
        (" \t\r\n[1, -0, 2.5, -1e3, 1E+2, 0.0e-0, null, false] ", .array([
            .integer(1), .integer(0), .number(2.5), .number(-1000), .number(100), .number(0), .null, .bool(false),
        ])),
        (#""esc \" \\ \/ \b \f \n \r \t \u00e9 \u4e2d \ud83c\udf55 end""#, .string("esc \" \\ / \u{08} \u{0C} \n \r \t é 中 🍕 end")),
        ("\"raw é 中 🍕\"", .string("raw é 中 🍕")),
        (#"{"a": {"b": [[], {}]}, "a": 2}"#, .object(JSONObject(members: [
            .init(name: "a", value: .object(JSONObject(members: [.init(name: "b", value: .array([.array([]), .object(JSONObject())]))]))),
            .init(name: "a", value: .integer(2)),
        ]))),
        ("9223372036854775807", .integer(Int.max)),
        ("-9223372036854775808", .integer(Int.min)),
        ("9223372036854775808", .number(9223372036854775808)),
        (#""\u0000""#, .string("\u{0}")),
    ] as [(String, JSONValue)])
    func parses(_ text: String, _ expected: JSONValue) throws {
        #expect(try JSONReader.parse(text) == expected)
    }

    @Test("the last of duplicate member names wins; null and numbers convert as documented")
    func lookups() throws {
        guard case .object(let object) = try JSONReader.parse(#"{"a": 1, "b": null, "a": 128.0, "c": 1.5, "d": 1e300}"#) else {
            Issue.record("not an object"); return
        }
        #expect(object["a"] == .number(128))
        #expect(object["a"]?.integerValue == 128)
        #expect(object["b"] == .null)
        #expect(object["c"]?.integerValue == nil)
        #expect(object["d"]?.integerValue == nil)
        #expect(object["missing"] == nil)
    }

    @Test("malformed documents are refused with the reason and the byte", arguments: [
        ("", "unexpected end of input", 0),
        ("{", "unexpected end of input", 1),
        (#"{"text": "#, "unexpected end of input", 9),
        (#"{"a": 1,}"#, "expected a member name in double quotes", 8),
        ("[1, 2,]", "unexpected character ']'", 6),
        ("[1 2]", "expected ',' or ']' after an array element", 3),
        (#"{"a" 1}"#, "expected ':' after the member name", 5),
        (#"{"a": 1 "b": 2}"#, "expected ',' or '}' after an object member", 8),
        ("{'a': 1}", "expected a member name in double quotes", 1),
        ("[01]", "numbers must not have leading zeros", 1),
        ("[1.]", "invalid number (digits must follow '.')", 1),
        ("[.5]", "unexpected character '.'", 1),
        ("[1e]", "invalid number (digits must follow the exponent)", 1),
        ("[-]", "invalid number", 1),
        ("[+1]", "unexpected character '+'", 1),
        ("[1e999]", "number out of range", 1),
        ("[NaN]", "unexpected character 'N'", 1),
        ("[tru]", "unexpected character ']'", 4),
        ("[nul", "unexpected character 'n'", 1),
        ("{} {}", "unexpected data after the JSON value", 3),
        ("\"a\u{01}b\"", "control character U+0001 must be escaped in a string", 2),
        ("\"tab\there\"", "control character U+0009 must be escaped in a string", 4),
        (#""\x41""#, "invalid escape sequence in a string", 1),
        (#""\u12G4""#, #"a \u escape needs four hex digits"#, 1),
        (#""\ud83c""#, #"unpaired UTF-16 surrogate in a \u escape"#, 1),
        (#""\ud83c\u0041""#, #"unpaired UTF-16 surrogate in a \u escape"#, 1),
        (#""\udf55""#, #"unpaired UTF-16 surrogate in a \u escape"#, 1),
        ("\"open", "unterminated string", 5),
        ("/* c */ {}", "unexpected character '/'", 0),
    ] as [(String, String, Int)])
    func refuses(_ text: String, _ reason: String, _ offset: Int) {
        #expect(throws: JSONReader.Error(reason: reason, offset: offset)) { try JSONReader.parse(text) }
    }

    @Test("invalid UTF-8 inside a string is refused, before and after an escape")
    func invalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xC3, 0x28, 0x22], [0x22, 0x5C, 0x6E, 0xFF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            #expect(throws: JSONReader.Error(reason: "invalid UTF-8 in a string", offset: 1)) { try JSONReader.parse(bytes) }
        }
        #expect(throws: JSONReader.Error(reason: "unexpected byte 0xFF", offset: 0)) { try JSONReader.parse([0xFF]) }
    }

    @Test("nesting is limited, so a deep document fails instead of exhausting the stack")
    func depth() throws {
        let deep = String(repeating: "[", count: 1_000_000)
        #expect(throws: JSONReader.Error(reason: "nesting deeper than 256 levels", offset: 256)) { try JSONReader.parse(deep) }
        let allowed = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        #expect(throws: Never.self) { try JSONReader.parse(allowed) }
        #expect(throws: JSONReader.Error(reason: "nesting deeper than 3 levels", offset: 8)) {
            try JSONReader.parse(#"[{"a": [[]]}]"#, maximumDepth: 3)
        }
    }

    // MARK: Against Foundation's JSONSerialization

    @Test("random documents written by JSONSerialization read back as the values written")
    func agreesWithFoundationOnValidDocuments() throws {
        var random = Generator(seed: 0x5EED)
        for round in 0..<2000 {
            let value = random.value(depth: 0)
            let data = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
            let parsed = try JSONReader.parse([UInt8](data))
            #expect(Self.same(parsed, value, tolerance: 0), "round \(round): \(String(decoding: data, as: UTF8.self).prefix(300))")
        }
    }

    @Test("mangled documents are accepted or refused as JSONSerialization does")
    func agreesWithFoundationOnMangledDocuments() throws {
        var random = Generator(seed: 0xBAD)
        let alphabet = Array(#"{}[]",:\ 0123456789-+.eEtrufalsn"#.utf8) + [0x0A, 0x09]
        var refused = 0
        for round in 0..<4000 {
            var bytes = [UInt8](try JSONSerialization.data(withJSONObject: random.value(depth: 0), options: [.fragmentsAllowed]))
            for _ in 0..<random.int(1...3) where !bytes.isEmpty {
                let at = random.int(0...(bytes.count - 1))
                switch random.int(0...2) {
                case 0: bytes[at] = alphabet[random.int(0...(alphabet.count - 1))]
                case 1: bytes.remove(at: at)
                default: bytes.insert(alphabet[random.int(0...(alphabet.count - 1))], at: at)
                }
            }
            let foundation = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            let ours = try? JSONReader.parse(bytes)
            if foundation == nil { refused += 1 }
            #expect((foundation == nil) == (ours == nil), "round \(round): \(String(decoding: bytes, as: UTF8.self).prefix(300))")
            if let foundation, let ours {
                #expect(Self.same(ours, foundation, tolerance: 1e-15), "round \(round): \(String(decoding: bytes, as: UTF8.self).prefix(300))")
            }
        }
        // Both outcomes must be exercised for the comparison to mean anything.
        #expect(refused > 1000 && refused < 3900, "\(refused) of 4000 refused")
    }

    /// Whether a parsed value is the Foundation value. Numbers may differ by `tolerance`
    /// (relative): JSONSerialization's own reading is sometimes an ulp off (it reads
    /// "4998.2385714285715" as 4998.2385714285715, where Swift's `Double(_:)` and Python give the
    /// correctly rounded 4998.238571428571), so only values we generated are compared exactly.
    static func same(_ value: JSONValue, _ foundation: Any, tolerance: Double) -> Bool {
        switch value {
        case .null: return foundation is NSNull
        case .bool(let bool): return (foundation as? Bool) == bool
        case .integer(let integer):
            if let exact = foundation as? Int, !(foundation is Bool) { return exact == integer }
            return close((foundation as? NSNumber)?.doubleValue, Double(integer), tolerance)
        case .number(let double):
            if let exact = foundation as? Double, tolerance == 0 { return exact == double }
            return close((foundation as? NSNumber)?.doubleValue, double, tolerance)
        case .string(let string): return (foundation as? String) == string
        case .array(let elements):
            guard let array = foundation as? [Any], array.count == elements.count else { return false }
            return zip(elements, array).allSatisfy { same($0, $1, tolerance: tolerance) }
        case .object(let object):
            guard let dictionary = foundation as? [String: Any] else { return false }
            let names = Set(object.members.map(\.name))
            return names.count == dictionary.count && names.allSatisfy { name in
                dictionary[name].map { same(object[name]!, $0, tolerance: tolerance) } ?? false
            }
        }
    }

    static func close(_ a: Double?, _ b: Double, _ tolerance: Double) -> Bool {
        guard let a else { return false }
        return a == b || abs(a - b) <= tolerance * max(abs(a), abs(b))
    }
}

/// Random JSON values for the comparisons (seeded, so a failure repeats).
private struct Generator {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(random.next() % UInt64(range.count))
    }

    mutating func value(depth: Int) -> Any {
        switch int(0...(depth < 4 ? 7 : 5)) {
        case 0: return NSNull()
        case 1: return int(0...1) == 1
        case 2: return int(-1_000_000...1_000_000)
        case 3: return Double(int(-1_000_000...1_000_000)) / Double([1, 7, 1000, 3e9][int(0...3)])
        case 4, 5: return string()
        case 6: return (0..<int(0...4)).map { _ in value(depth: depth + 1) }
        default:
            var object: [String: Any] = [:]
            for _ in 0..<int(0...4) { object[string()] = value(depth: depth + 1) }
            return object
        }
    }

    mutating func string() -> String {
        // No U+FEFF: JSONSerialization on Linux drops it from strings it reads.
        let pieces = ["a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\u{01}", "\u{1F}", "é", "中", "🍕", "\u{200B}", "text"]
        return (0..<int(0...6)).map { _ in pieces[int(0...(pieces.count - 1))] }.joined()
    }
}
