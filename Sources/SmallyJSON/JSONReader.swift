/// A strict JSON reader (RFC 8259) for request bodies.
///
/// It accepts exactly the JSON grammar: no comments, trailing commas, single quotes, leading
/// zeros, `NaN` or raw control characters in strings, and only valid UTF-8. `\u` escapes must
/// pair their surrogates. Nesting is limited (``defaultMaximumDepth``), so a body of a million
/// `[` fails cleanly instead of exhausting the stack. Errors say what was wrong and at which byte.
public enum JSONReader {
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        /// What was wrong, e.g. "expected ',' or '}' after an object member".
        public var reason: String
        /// Offset of the offending byte from the start of the document.
        public var offset: Int

        public init(reason: String, offset: Int) {
            self.reason = reason
            self.offset = offset
        }

        public var description: String { "\(reason) at byte \(offset)" }
    }

    public static let defaultMaximumDepth = 256

    public static func parse(_ bytes: UnsafeRawBufferPointer, maximumDepth: Int = defaultMaximumDepth) throws(Error) -> JSONValue {
        var parser = Parser(bytes: bytes, maximumDepth: maximumDepth)
        return try parser.document()
    }

    public static func parse(_ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth) throws(Error) -> JSONValue {
        let result: Result<JSONValue, Error> = bytes.withUnsafeBytes { buffer in
            Result { () throws(Error) in try parse(buffer, maximumDepth: maximumDepth) }
        }
        return try result.get()
    }

    public static func parse(_ text: String, maximumDepth: Int = defaultMaximumDepth) throws(Error) -> JSONValue {
        try parse(Array(text.utf8), maximumDepth: maximumDepth)
    }
}

private struct Parser {
    let bytes: UnsafeRawBufferPointer
    let maximumDepth: Int
    var position = 0
    var depth = 0

    init(bytes: UnsafeRawBufferPointer, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    mutating func document() throws(JSONReader.Error) -> JSONValue {
        skipWhitespace()
        let result = try value()
        skipWhitespace()
        if position < bytes.count { throw failure("unexpected data after the JSON value") }
        return result
    }

    // MARK: Values

    mutating func value() throws(JSONReader.Error) -> JSONValue {
        guard position < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[position] {
        case Byte.openBrace: return try object()
        case Byte.openBracket: return try array()
        case Byte.quote: return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case Byte.minus, Byte.zero...Byte.nine: return try number()
        default: throw unexpected()
        }
    }

    mutating func object() throws(JSONReader.Error) -> JSONValue {
        try enter()
        var members: [JSONObject.Member] = []
        if closesEmpty(Byte.closeBrace) { return .object(JSONObject(members: members)) }
        while true {
            skipWhitespace()
            guard position < bytes.count else { throw failure("unexpected end of input") }
            guard bytes[position] == Byte.quote else { throw failure("expected a member name in double quotes") }
            let name = try string()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == Byte.colon else {
                throw failure(position < bytes.count ? "expected ':' after the member name" : "unexpected end of input")
            }
            position += 1
            skipWhitespace()
            members.append(JSONObject.Member(name: name, value: try value()))
            if try closes(Byte.closeBrace, "expected ',' or '}' after an object member") {
                return .object(JSONObject(members: members))
            }
        }
    }

    mutating func array() throws(JSONReader.Error) -> JSONValue {
        try enter()
        var elements: [JSONValue] = []
        if closesEmpty(Byte.closeBracket) { return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try value())
            if try closes(Byte.closeBracket, "expected ',' or ']' after an array element") { return .array(elements) }
        }
    }

    /// After an element: true at the container's closing byte (consumed), false after a comma.
    mutating func closes(_ closing: UInt8, _ expected: String) throws(JSONReader.Error) -> Bool {
        skipWhitespace()
        guard position < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[position] {
        case Byte.comma:
            position += 1
            return false
        case closing:
            leave()
            return true
        default:
            throw failure(expected)
        }
    }

    /// True, with the closing byte consumed, when the container just opened is empty.
    mutating func closesEmpty(_ closing: UInt8) -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == closing else { return false }
        leave()
        return true
    }

    /// Opens an object or array (the byte at `position`), within the nesting limit.
    mutating func enter() throws(JSONReader.Error) {
        if depth == maximumDepth { throw failure("nesting deeper than \(maximumDepth) levels") }
        depth += 1
        position += 1
    }

    /// Closes an object or array (the byte at `position`).
    mutating func leave() {
        depth -= 1
        position += 1
    }

    mutating func literal(_ word: StaticString) throws(JSONReader.Error) {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw unexpected() }
        for index in 0..<count where bytes[position + index] != word.utf8Start[index] {
            position += index
            throw unexpected()
        }
        position += count
    }

    // MARK: Strings

    /// The string starting at the quote at `position`. Strings without escapes (nearly all) are
    /// made straight from the buffer; only non-ASCII ones need a UTF-8 check.
    mutating func string() throws(JSONReader.Error) -> String {
        position += 1
        let start = position
        var isASCII = true
        while position < bytes.count {
            let byte = bytes[position]
            if byte == Byte.quote {
                let content = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
                position += 1
                if isASCII { return String(decoding: content, as: UTF8.self) }
                guard let text = String(validating: content, as: UTF8.self) else {
                    throw JSONReader.Error(reason: "invalid UTF-8 in a string", offset: start)
                }
                return text
            }
            if byte == Byte.backslash { return try escapedString(start: start) }
            if byte < 0x20 { throw controlCharacter(byte) }
            if byte >= 0x80 { isASCII = false }
            position += 1
        }
        throw failure("unterminated string")
    }

    /// The rest of a string from its first backslash (at `position`).
    mutating func escapedString(start: Int) throws(JSONReader.Error) -> String {
        var scratch: [UInt8] = []
        scratch.reserveCapacity(position - start + 32)
        scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case Byte.quote:
                position += 1
                guard let text = String(validating: scratch, as: UTF8.self) else {
                    throw JSONReader.Error(reason: "invalid UTF-8 in a string", offset: start)
                }
                return text
            case Byte.backslash:
                let escapeStart = position
                position += 1
                guard position < bytes.count else { throw failure("unterminated string") }
                let escape = bytes[position]
                position += 1
                switch escape {
                case Byte.quote, Byte.backslash, Byte.slash: scratch.append(escape)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"): Self.appendUTF8(try unicodeEscape(start: escapeStart), to: &scratch)
                default: throw JSONReader.Error(reason: "invalid escape sequence in a string", offset: escapeStart)
                }
            default:
                if byte < 0x20 { throw controlCharacter(byte) }
                scratch.append(byte)
                position += 1
            }
        }
        throw failure("unterminated string")
    }

    /// A `\uXXXX` escape (after the `u`), with its low surrogate when it is a high one.
    mutating func unicodeEscape(start: Int) throws(JSONReader.Error) -> Unicode.Scalar {
        let unpaired = JSONReader.Error(reason: "unpaired UTF-16 surrogate in a \\u escape", offset: start)
        let unit = try hexQuad(start: start)
        switch unit {
        case 0xD800...0xDBFF:
            guard position + 1 < bytes.count, bytes[position] == Byte.backslash, bytes[position + 1] == UInt8(ascii: "u") else {
                throw unpaired
            }
            position += 2
            let low = try hexQuad(start: position - 2)
            guard (0xDC00...0xDFFF).contains(low) else { throw unpaired }
            return Unicode.Scalar(0x10000 + (UInt32(unit - 0xD800) << 10) + UInt32(low - 0xDC00))!
        case 0xDC00...0xDFFF:
            throw unpaired
        default:
            return Unicode.Scalar(unit)!
        }
    }

    mutating func hexQuad(start: Int) throws(JSONReader.Error) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard position < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case Byte.zero...Byte.nine: digit = byte - Byte.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw JSONReader.Error(reason: "a \\u escape needs four hex digits", offset: start)
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    static func appendUTF8(_ scalar: Unicode.Scalar, to bytes: inout [UInt8]) {
        let value = scalar.value
        switch value {
        case 0..<0x80:
            bytes.append(UInt8(value))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | value >> 6))
            bytes.append(UInt8(0x80 | value & 0x3F))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | value >> 12))
            bytes.append(UInt8(0x80 | value >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | value & 0x3F))
        default:
            bytes.append(UInt8(0xF0 | value >> 18))
            bytes.append(UInt8(0x80 | value >> 12 & 0x3F))
            bytes.append(UInt8(0x80 | value >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | value & 0x3F))
        }
    }

    // MARK: Numbers

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`. Integers that fit in `Int` stay exact.
    mutating func number() throws(JSONReader.Error) -> JSONValue {
        let start = position
        let negative = bytes[position] == Byte.minus
        if negative { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else {
            throw JSONReader.Error(reason: "invalid number", offset: start)
        }
        let integerStart = position
        if bytes[position] == Byte.zero {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) {
                throw JSONReader.Error(reason: "numbers must not have leading zeros", offset: start)
            }
        } else {
            skipDigits()
        }
        let integerEnd = position
        var isInteger = true
        if position < bytes.count, bytes[position] == Byte.dot {
            isInteger = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw JSONReader.Error(reason: "invalid number (digits must follow '.')", offset: start)
            }
            skipDigits()
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == Byte.plus || bytes[position] == Byte.minus { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw JSONReader.Error(reason: "invalid number (digits must follow the exponent)", offset: start)
            }
            skipDigits()
        }
        if isInteger, let value = Self.integer(bytes[integerStart..<integerEnd], negative: negative) {
            return .integer(value)
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw JSONReader.Error(reason: "number out of range", offset: start)
        }
        return .number(value)
    }

    /// The digits as an `Int`, or nil when they overflow it.
    static func integer(_ digits: Slice<UnsafeRawBufferPointer>, negative: Bool) -> Int? {
        var value = 0
        for byte in digits {
            let digit = Int(byte - Byte.zero)
            let (shifted, overflowMultiplying) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowAdding) = negative
                ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if overflowMultiplying || overflowAdding { return nil }
            value = next
        }
        return value
    }

    mutating func skipDigits() {
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= Byte.zero && byte <= Byte.nine }

    // MARK: Whitespace and errors

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    func failure(_ reason: String) -> JSONReader.Error {
        JSONReader.Error(reason: reason, offset: position)
    }

    func unexpected() -> JSONReader.Error {
        guard position < bytes.count else { return failure("unexpected end of input") }
        let byte = bytes[position]
        return failure((0x21...0x7E).contains(byte) ? "unexpected character '\(Character(Unicode.Scalar(byte)))'"
                                                     : "unexpected byte 0x\(String(byte, radix: 16, uppercase: true))")
    }

    func controlCharacter(_ byte: UInt8) -> JSONReader.Error {
        let hex = String(byte, radix: 16, uppercase: true)
        return failure("control character U+\(String(repeating: "0", count: 4 - hex.count))\(hex) must be escaped in a string")
    }
}

/// The ASCII bytes of JSON's grammar.
private enum Byte {
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let slash = UInt8(ascii: "/")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let dot = UInt8(ascii: ".")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
}
