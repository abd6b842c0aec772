import NIOCore

/// One RESP2 value, as sent by Redis or built for encoding.
///
/// Bulk strings stay `ByteBuffer` slices of the receive buffer, so a 1.5 KB vector is never copied
/// into a `String` or `[UInt8]` on its way to `[Float]`.
public enum RESPValue: Sendable, Hashable {
    case simpleString(String)
    case error(String)
    case integer(Int)
    /// `nil` is the null bulk string (`$-1`), e.g. a missing key in `GET`/`MGET`.
    case bulkString(ByteBuffer?)
    /// `nil` is the null array (`*-1`).
    case array([RESPValue]?)
}

extension RESPValue {
    /// A bulk string holding the UTF-8 bytes of `string`.
    public static func bulkString(_ string: String) -> RESPValue {
        .bulkString(ByteBuffer(string: string))
    }

    /// The text of a simple or bulk string (bulk bytes decoded as UTF-8), else `nil`.
    public var string: String? {
        switch self {
        case .simpleString(let s): s
        case .bulkString(let b?): String(buffer: b)
        default: nil
        }
    }

    /// The integer of an `:` reply, else `nil`.
    public var integer: Int? {
        if case .integer(let i) = self { i } else { nil }
    }

    /// The bytes of a non-null bulk string, else `nil`.
    public var buffer: ByteBuffer? {
        if case .bulkString(let b?) = self { b } else { nil }
    }

    /// The elements of a non-null array, else `nil`.
    public var array: [RESPValue]? {
        if case .array(let a?) = self { a } else { nil }
    }

    /// True for the null bulk string and the null array.
    public var isNull: Bool {
        switch self {
        case .bulkString(nil), .array(nil): true
        default: false
        }
    }
}

extension RESPValue: CustomStringConvertible {
    /// Short human-readable form for logs and test failures; long bulk strings are abbreviated.
    public var description: String {
        switch self {
        case .simpleString(let s): return "+\(s)"
        case .error(let e): return "-\(e)"
        case .integer(let i): return ":\(i)"
        case .bulkString(nil): return "$nil"
        case .bulkString(let b?):
            if b.readableBytes > 64 { return "$<\(b.readableBytes) bytes>" }
            return "$\(String(decoding: b.readableBytesView, as: UTF8.self).debugDescription)"
        case .array(nil): return "*nil"
        case .array(let a?): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        }
    }
}
