import NIOCore

/// Decodes RESP2 values from a byte stream.
///
/// Single-step: `decode` either returns one complete value and consumes exactly its bytes, or returns `nil`
/// and consumes nothing (the next call re-parses from the value's start once more bytes have arrived).
/// Parsing works on absolute indices into the buffer, so nothing is copied while a value is incomplete,
/// and bulk strings come out as slices sharing the receive buffer's storage.
///
/// Limits bound what a misbehaving or hostile server can make us allocate; exceeding one is a
/// `RedisError.protocolError`, after which the connection must be closed (the stream is out of sync).
/// Only RESP2 types are accepted (`+ - : $ *`); this client never sends `HELLO 3`.
public struct RESPDecoder: NIOSingleStepByteToMessageDecoder, Sendable {
    public typealias InboundOut = RESPValue

    public struct Limits: Sendable {
        /// Deepest allowed array nesting (a top-level array is depth 1). Our replies are at most 1 deep.
        public var maxNestingDepth: Int = 32
        /// Largest accepted bulk string. Redis's own maximum is 512 MiB; our values are 1.5 KB.
        public var maxBulkLength: Int = 64 << 20
        /// Largest accepted array element count.
        public var maxArrayCount: Int = 1 << 20
        /// Longest accepted simple string / error / integer / length line, without its CRLF.
        public var maxLineLength: Int = 64 << 10

        public init() {}
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? {
        guard buffer.readableBytes > 0 else { return nil }
        var cursor = buffer.readerIndex
        guard let value = try self.parseValue(buffer, at: &cursor, depth: 0) else { return nil }
        buffer.moveReaderIndex(to: cursor)
        return value
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? {
        try self.decode(buffer: &buffer)
    }

    // MARK: - Parsing

    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    /// Parses the value starting at `cursor`; on success moves `cursor` past it.
    /// Returns `nil` (cursor unspecified) when the value is not complete yet.
    private func parseValue(_ buffer: ByteBuffer, at cursor: inout Int, depth: Int) throws -> RESPValue? {
        guard let type = buffer.getInteger(at: cursor, as: UInt8.self) else { return nil }
        let lineStart = cursor + 1
        guard let lineEnd = try self.findLineEnd(buffer, from: lineStart) else { return nil }
        let next = lineEnd + 2  // past CRLF

        switch type {
        case UInt8(ascii: "+"):
            cursor = next
            return .simpleString(buffer.getString(at: lineStart, length: lineEnd - lineStart) ?? "")

        case UInt8(ascii: "-"):
            cursor = next
            return .error(buffer.getString(at: lineStart, length: lineEnd - lineStart) ?? "")

        case UInt8(ascii: ":"):
            let value = try Self.parseInteger(buffer, from: lineStart, to: lineEnd)
            cursor = next
            return .integer(value)

        case UInt8(ascii: "$"):
            let length = try Self.parseInteger(buffer, from: lineStart, to: lineEnd)
            if length == -1 {
                cursor = next
                return .bulkString(nil)
            }
            guard length >= 0 else { throw RedisError.protocolError("negative bulk string length \(length)") }
            guard length <= self.limits.maxBulkLength else {
                throw RedisError.protocolError("bulk string of \(length) bytes exceeds limit \(self.limits.maxBulkLength)")
            }
            // Body plus its CRLF must be present.
            guard buffer.writerIndex - next >= length + 2 else { return nil }
            guard buffer.getInteger(at: next + length, as: UInt8.self) == Self.cr,
                buffer.getInteger(at: next + length + 1, as: UInt8.self) == Self.lf
            else {
                throw RedisError.protocolError("bulk string not terminated by CRLF")
            }
            cursor = next + length + 2
            return .bulkString(buffer.getSlice(at: next, length: length))

        case UInt8(ascii: "*"):
            let count = try Self.parseInteger(buffer, from: lineStart, to: lineEnd)
            if count == -1 {
                cursor = next
                return .array(nil)
            }
            guard count >= 0 else { throw RedisError.protocolError("negative array length \(count)") }
            guard count <= self.limits.maxArrayCount else {
                throw RedisError.protocolError("array of \(count) elements exceeds limit \(self.limits.maxArrayCount)")
            }
            guard depth < self.limits.maxNestingDepth else {
                throw RedisError.protocolError("arrays nested deeper than \(self.limits.maxNestingDepth)")
            }
            var elements: [RESPValue] = []
            // Every element takes at least 3 bytes ("+\r\n"), so reserve only what the bytes at hand can hold:
            // a huge announced count cannot make us allocate before its data arrives.
            elements.reserveCapacity(min(count, (buffer.writerIndex - next) / 3))
            var elementCursor = next
            for _ in 0..<count {
                guard let element = try self.parseValue(buffer, at: &elementCursor, depth: depth + 1) else {
                    return nil
                }
                elements.append(element)
            }
            cursor = elementCursor
            return .array(elements)

        default:
            throw RedisError.protocolError("unexpected RESP type byte 0x\(String(type, radix: 16))")
        }
    }

    /// Index of the CR that ends the line starting at `start`, or `nil` if the CRLF has not arrived yet.
    private func findLineEnd(_ buffer: ByteBuffer, from start: Int) throws -> Int? {
        let end = buffer.writerIndex
        // Search at most maxLineLength content bytes plus the CR.
        let searchEnd = min(end, start + self.limits.maxLineLength + 1)
        let found: Int? = buffer.withUnsafeReadableBytes { bytes in
            let base = buffer.readerIndex
            var i = start - base
            let stop = searchEnd - base
            while i < stop {
                if bytes[i] == Self.cr { return i + base }
                i += 1
            }
            return nil
        }
        guard let crIndex = found else {
            if end - start > self.limits.maxLineLength {
                throw RedisError.protocolError("line longer than \(self.limits.maxLineLength) bytes")
            }
            return nil
        }
        guard let lf = buffer.getInteger(at: crIndex + 1, as: UInt8.self) else { return nil }
        guard lf == Self.lf else { throw RedisError.protocolError("CR not followed by LF") }
        return crIndex
    }

    /// Parses a signed decimal in `[from, to)`, rejecting empty input, stray bytes and overflow.
    private static func parseInteger(_ buffer: ByteBuffer, from: Int, to: Int) throws -> Int {
        var index = from
        var negative = false
        if let sign = buffer.getInteger(at: index, as: UInt8.self), index < to {
            if sign == UInt8(ascii: "-") {
                negative = true
                index += 1
            } else if sign == UInt8(ascii: "+") {
                index += 1
            }
        }
        guard index < to else { throw RedisError.protocolError("empty integer") }
        var value = 0
        while index < to {
            let digit = Int(buffer.getInteger(at: index, as: UInt8.self)!) - Int(UInt8(ascii: "0"))
            guard (0...9).contains(digit) else { throw RedisError.protocolError("invalid integer") }
            // Accumulate on the negative side so Int.min parses too.
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = shifted.subtractingReportingOverflow(digit)
            guard !o1, !o2 else { throw RedisError.protocolError("integer overflow") }
            value = next
            index += 1
        }
        if negative { return value }
        let (positive, overflow) = (0).subtractingReportingOverflow(value)
        guard !overflow else { throw RedisError.protocolError("integer overflow") }
        return positive
    }
}
