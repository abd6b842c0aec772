import Synchronization

/// Request ids without a random draw per request: a random 64-bit prefix chosen when the
/// server starts (distinct across nodes and restarts) and a counter, as 32 hex digits
/// (`3f9c…-000000000000002a`). A `UUID()` per request showed in cached-path profiles.
final class RequestIDGenerator: Sendable {
    private let prefix: [UInt8]
    private let counter = Atomic<UInt64>(0)

    init() {
        var generator = SystemRandomNumberGenerator()
        prefix = Self.hex(generator.next())
    }

    func next() -> String {
        let sequence = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return String(unsafeUninitializedCapacity: 33) { buffer in
            for index in 0..<16 { buffer[index] = prefix[index] }
            buffer[16] = UInt8(ascii: "-")
            for index in 0..<16 { buffer[17 + index] = Self.hexDigit(sequence, position: index) }
            return 33
        }
    }

    private static func hex(_ value: UInt64) -> [UInt8] {
        (0..<16).map { hexDigit(value, position: $0) }
    }

    /// Hex digit `position` (0 = most significant) of `value`.
    @inline(__always)
    private static func hexDigit(_ value: UInt64, position: Int) -> UInt8 {
        let nibble = UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * position)) & 0xF
        return nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }
}
