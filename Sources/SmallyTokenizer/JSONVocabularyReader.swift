/// Reads `model.vocab` of a tokenizer.json straight from the UTF-8 bytes.
///
/// `JSONDecoder` into `[String: Int]` is not usable here: Swift `String` keys compare by
/// canonical equivalence, so two vocabulary entries such as "é" (U+00E9) and "e\u{301}"
/// would silently collapse into one. This reader keeps keys as raw bytes. It is a small
/// strict JSON scanner that walks the root object to `model` -> `vocab` and skips the rest.
enum JSONVocabularyReader {
    struct ReadError: Error {
        var message: String
    }

    static func readModelVocabulary(_ json: [UInt8]) throws -> [(token: [UInt8], id: Int32)] {
        var scanner = Scanner(bytes: json)
        var result: [(token: [UInt8], id: Int32)]?
        try scanner.readObject { key, scanner in
            guard key == Array("model".utf8) else { return try scanner.skipValue() }
            try scanner.readObject { key, scanner in
                guard key == Array("vocab".utf8) else { return try scanner.skipValue() }
                var entries: [(token: [UInt8], id: Int32)] = []
                try scanner.readObject { token, scanner in
                    entries.append((token, try scanner.readTokenId()))
                }
                result = entries
            }
        }
        scanner.skipWhitespace()
        guard scanner.position == json.count else { throw scanner.error("trailing characters after JSON") }
        guard let result else { throw ReadError(message: "model.vocab not found") }
        return result
    }

    struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func error(_ message: String) -> ReadError {
            ReadError(message: "\(message) at byte \(position)")
        }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func expect(_ byte: UInt8) throws {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == byte else {
                throw error("expected '\(Character(Unicode.Scalar(byte)))'")
            }
            position += 1
        }

        /// Peeks the next non-whitespace byte.
        mutating func peek() throws -> UInt8 {
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of JSON") }
            return bytes[position]
        }

        /// Calls `member` for each key of an object; `member` must consume the value.
        mutating func readObject(
            _ member: (_ key: [UInt8], _ scanner: inout Scanner) throws -> Void
        ) throws {
            try expect(UInt8(ascii: "{"))
            if try peek() == UInt8(ascii: "}") { position += 1; return }
            while true {
                let key = try readString()
                try expect(UInt8(ascii: ":"))
                try member(key, &self)
                skipWhitespace()
                guard position < bytes.count else { throw error("unterminated object") }
                let next = bytes[position]
                position += 1
                if next == UInt8(ascii: "}") { return }
                guard next == UInt8(ascii: ",") else { throw error("expected ',' or '}'") }
            }
        }

        /// A JSON string, unescaped, as UTF-8 bytes.
        mutating func readString() throws -> [UInt8] {
            try expect(UInt8(ascii: "\""))
            var out: [UInt8] = []
            while true {
                guard position < bytes.count else { throw error("unterminated string") }
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return out
                case UInt8(ascii: "\\"):
                    guard position < bytes.count else { throw error("unterminated escape") }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var value = try readHex4()
                        if (0xD800...0xDBFF).contains(value) {
                            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                                  bytes[position + 1] == UInt8(ascii: "u")
                            else { throw error("lone surrogate in \\u escape") }
                            position += 2
                            let low = try readHex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                            value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(value) {
                            throw error("lone surrogate in \\u escape")
                        }
                        out.append(contentsOf: Array(String(Unicode.Scalar(value)!).utf8))
                    default:
                        throw error("invalid escape")
                    }
                default:
                    guard byte >= 0x20 else { throw error("control character in string") }
                    out.append(byte)
                }
            }
        }

        mutating func readHex4() throws -> UInt32 {
            guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw error("invalid \\u escape")
                }
                value = value << 4 | UInt32(digit)
                position += 1
            }
            return value
        }

        /// A non-negative integer that fits in Int32.
        mutating func readTokenId() throws -> Int32 {
            skipWhitespace()
            let start = position
            var value: Int64 = 0
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                value = value * 10 + Int64(bytes[position] - UInt8(ascii: "0"))
                guard value <= Int64(Int32.max) else { throw error("token id out of range") }
                position += 1
            }
            guard position > start else { throw error("expected a non-negative integer token id") }
            if position < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) {
                throw error("token id must be an integer")
            }
            return Int32(value)
        }

        /// Skips any JSON value (validating its structure).
        mutating func skipValue() throws {
            switch try peek() {
            case UInt8(ascii: "{"):
                try readObject { _, scanner in try scanner.skipValue() }
            case UInt8(ascii: "["):
                position += 1
                if try peek() == UInt8(ascii: "]") { position += 1; return }
                while true {
                    try skipValue()
                    let next = try peek()
                    position += 1
                    if next == UInt8(ascii: "]") { return }
                    guard next == UInt8(ascii: ",") else { throw error("expected ',' or ']'") }
                }
            case UInt8(ascii: "\""):
                _ = try readString()
            default:
                // number, true, false, null
                let start = position
                while position < bytes.count,
                      bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "+")
                        || bytes[position] == UInt8(ascii: ".")
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
                        || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[position])
                        || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[position]) {
                    position += 1
                }
                guard position > start else { throw error("unexpected character") }
            }
        }
    }
}
