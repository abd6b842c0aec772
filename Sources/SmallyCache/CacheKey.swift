import Crypto
import NIOCore

/// 32-byte SHA-256 of model id + token ids (texts that tokenize alike share an entry).
///
/// Hashed input: the model id's UTF-8 bytes, one 0 byte (so "ab"+[..] and "a"+[..] cannot collide),
/// then every token id as a little-endian `Int32`. Keying on token ids rather than raw text means
/// "Hello" and "hello" share an entry under an uncased model, and the model id keeps different models'
/// vectors apart. The layout is part of the L2 key format: changing it needs a new key prefix version.
///
/// Stored as four words so that `==` and hashing never touch the heap.
public struct CacheKey: Hashable, Sendable {
    // Big-endian words: w0's most significant byte is digest byte 0, so `hex` is the digest in order.
    // Internal rather than private: LRUCache's hash table uses w0 directly as the hash.
    let w0, w1, w2, w3: UInt64

    /// A key from raw digest words (tests use it to force hash-table collisions on `w0`).
    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    public init(model: String, tokenIDs: [Int32]) {
        var hasher = SHA256()
        var model = model
        model.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
        #if _endian(little)
        tokenIDs.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        #else
        tokenIDs.map(\.littleEndian).withUnsafeBytes { hasher.update(bufferPointer: $0) }
        #endif
        let digest = hasher.finalize()
        (w0, w1, w2, w3) = digest.withUnsafeBytes { bytes in
            (
                UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
            )
        }
    }

    /// The 32 digest bytes, in order.
    public var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(32)
        for word in [self.w0, self.w1, self.w2, self.w3] {
            withUnsafeBytes(of: word.bigEndian) { result.append(contentsOf: $0) }
        }
        return result
    }

    /// 64 lowercase hex digits.
    public var hex: String {
        String(unsafeUninitializedCapacity: 64) { out in
            var i = 0
            self.forEachHexDigit { digit in
                out[i] = digit
                i += 1
            }
            return 64
        }
    }

    /// Writes the 64 hex digits into `buffer` without creating a `String` (L2 keys on the hot path).
    func writeHex(into buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: 64)
        self.forEachHexDigit { buffer.writeInteger($0) }
    }

    private func forEachHexDigit(_ body: (UInt8) -> Void) {
        func emit(_ word: UInt64) {
            var shift = 60
            while shift >= 0 {
                let nibble = UInt8(truncatingIfNeeded: word >> UInt64(shift)) & 0xF
                body(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble)
                shift -= 4
            }
        }
        emit(self.w0)
        emit(self.w1)
        emit(self.w2)
        emit(self.w3)
    }

    public func hash(into hasher: inout Hasher) {
        // Already uniformly distributed; one word is plenty for bucket choice (== still compares all four).
        hasher.combine(self.w0)
    }
}

extension CacheKey: CustomStringConvertible {
    public var description: String { "CacheKey(\(self.hex))" }
}
