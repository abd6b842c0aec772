/// Byte-level ASCII helpers for header values read on every request (no String copies).
enum ASCII {
    /// Whether `bytes` spell `lowercase` (which must be lowercase ASCII) ignoring the case of
    /// letters A–Z only; every other byte must match exactly.
    static func equalsIgnoringCase(_ bytes: some Collection<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { expected in
            zip(bytes, expected).allSatisfy { byte, want in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 == want : byte == want
            }
        }
    }
}
