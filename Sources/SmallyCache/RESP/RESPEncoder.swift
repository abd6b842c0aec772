import NIOCore

/// Encodes RESP2: commands (arrays of bulk strings, the only form Redis accepts from clients) and,
/// for tests and fakes, arbitrary `RESPValue`s.
///
/// Everything is written straight into the caller's `ByteBuffer`, so a whole pipeline is encoded into
/// one buffer and sent with one write.
public struct RESPEncoder: Sendable {
    public init() {}

    /// Writes `*<n>\r\n` followed by one bulk string per argument.
    public func encodeCommand(_ arguments: [ByteBuffer], into buffer: inout ByteBuffer) {
        Self.writeArrayHeader(count: arguments.count, into: &buffer)
        for argument in arguments {
            Self.writeBulkString(argument.readableBytesView, into: &buffer)
        }
    }

    /// Writes a command whose arguments are UTF-8 strings.
    public func encodeCommand(_ arguments: [String], into buffer: inout ByteBuffer) {
        Self.writeArrayHeader(count: arguments.count, into: &buffer)
        for argument in arguments {
            Self.writeBulkString(argument, into: &buffer)
        }
    }

    /// Writes any RESP2 value. Simple strings and errors must not contain CR or LF.
    public func encode(_ value: RESPValue, into buffer: inout ByteBuffer) {
        switch value {
        case .simpleString(let s):
            buffer.writeInteger(UInt8(ascii: "+"))
            buffer.writeString(s)
            Self.writeCRLF(into: &buffer)
        case .error(let e):
            buffer.writeInteger(UInt8(ascii: "-"))
            buffer.writeString(e)
            Self.writeCRLF(into: &buffer)
        case .integer(let i):
            buffer.writeInteger(UInt8(ascii: ":"))
            buffer.writeString(String(i))
            Self.writeCRLF(into: &buffer)
        case .bulkString(nil):
            buffer.writeStaticString("$-1\r\n")
        case .bulkString(let b?):
            Self.writeBulkString(b.readableBytesView, into: &buffer)
        case .array(nil):
            buffer.writeStaticString("*-1\r\n")
        case .array(let elements?):
            Self.writeArrayHeader(count: elements.count, into: &buffer)
            for element in elements {
                self.encode(element, into: &buffer)
            }
        }
    }

    // MARK: - Building blocks (used to encode commands without intermediate arrays)

    static func writeCRLF(into buffer: inout ByteBuffer) {
        buffer.writeStaticString("\r\n")
    }

    static func writeArrayHeader(count: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "*"))
        buffer.writeString(String(count))
        writeCRLF(into: &buffer)
    }

    static func writeBulkStringHeader(length: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "$"))
        buffer.writeString(String(length))
        writeCRLF(into: &buffer)
    }

    static func writeBulkString(_ string: String, into buffer: inout ByteBuffer) {
        writeBulkStringHeader(length: string.utf8.count, into: &buffer)
        buffer.writeString(string)
        writeCRLF(into: &buffer)
    }

    static func writeBulkString<Bytes: Collection>(_ bytes: Bytes, into buffer: inout ByteBuffer) where Bytes.Element == UInt8 {
        writeBulkStringHeader(length: bytes.count, into: &buffer)
        buffer.writeBytes(bytes)
        writeCRLF(into: &buffer)
    }
}

extension RESPEncoder: MessageToByteEncoder {
    public typealias OutboundIn = RESPValue

    public func encode(data: RESPValue, out: inout ByteBuffer) throws {
        self.encode(data, into: &out)
    }
}
