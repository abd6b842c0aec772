/// A W3C Trace Context position (`traceparent`, with the `tracestate` that travels with it): the
/// trace, the span that is the parent of the next one, and the flags (bit 0: sampled).
/// <https://www.w3.org/TR/trace-context/>
public struct TraceParent: Sendable, Hashable {
    /// 128-bit trace id as two halves (high, low); never all zero.
    public var traceIDHigh: UInt64
    public var traceIDLow: UInt64
    /// 64-bit span id; never zero.
    public var spanID: UInt64
    public var flags: UInt8
    /// The vendors' `tracestate` list, passed on untouched (nil when absent).
    public var traceState: String?

    public init(traceIDHigh: UInt64, traceIDLow: UInt64, spanID: UInt64, flags: UInt8 = 1, traceState: String? = nil) {
        self.traceIDHigh = traceIDHigh
        self.traceIDLow = traceIDLow
        self.spanID = spanID
        self.flags = flags
        self.traceState = traceState
    }

    public var sampled: Bool { flags & 1 != 0 }

    /// 32 lowercase hex digits.
    public var traceID: String { Self.hex(traceIDHigh) + Self.hex(traceIDLow) }
    /// 16 lowercase hex digits.
    public var spanIDHex: String { Self.hex(spanID) }

    /// `00-<trace id>-<span id>-<flags>`.
    public var header: String {
        "00-\(traceID)-\(spanIDHex)-\(flags < 16 ? "0" : "")\(String(flags, radix: 16))"
    }

    /// Parses a `traceparent` header; nil when malformed (the caller then starts a new trace, as
    /// the specification says). Versions above 00 are read for their first four fields.
    public init?(header: String, traceState: String? = nil) {
        let bytes = Array(header.utf8)
        guard bytes.count >= 55, bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-"),
              let version = Self.parseHex(bytes[0..<2]), version != 0xFF else { return nil }
        // Version 00 is exactly 55 characters; a later version may add fields after a dash.
        if version == 0 { guard bytes.count == 55 else { return nil } } else if bytes.count > 55, bytes[55] != UInt8(ascii: "-") { return nil }
        guard let high = Self.parseHex(bytes[3..<19]), let low = Self.parseHex(bytes[19..<35]), high != 0 || low != 0,
              let span = Self.parseHex(bytes[36..<52]), span != 0,
              let flags = Self.parseHex(bytes[53..<55]) else { return nil }
        self.init(traceIDHigh: high, traceIDLow: low, spanID: span, flags: UInt8(flags),
                  traceState: traceState.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Lowercase hex only (the specification forbids uppercase).
    private static func parseHex(_ digits: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        for byte in digits {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
