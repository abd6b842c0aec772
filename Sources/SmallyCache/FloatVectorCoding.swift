import NIOCore

/// The L2 value format: the vector's `Float32`s, little-endian, back to back (384 × 4 = 1536 bytes).
///
/// Compact and copy-only on little-endian hosts; no header, since the key prefix is versioned instead.
enum FloatVectorCoding {
    static func write(_ vector: [Float], into buffer: inout ByteBuffer) {
        #if _endian(little)
        vector.withUnsafeBytes { _ = buffer.writeBytes($0) }
        #else
        for value in vector { buffer.writeInteger(value.bitPattern, endianness: .little) }
        #endif
    }

    /// `nil` unless the byte count is a non-zero multiple of 4.
    static func read(_ buffer: ByteBuffer) -> [Float]? {
        let byteCount = buffer.readableBytes
        guard byteCount > 0, byteCount % 4 == 0 else { return nil }
        let count = byteCount / 4
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            buffer.withUnsafeReadableBytes { bytes in
                #if _endian(little)
                UnsafeMutableRawBufferPointer(out).copyMemory(from: bytes)
                #else
                for i in 0..<count {
                    out[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                }
                #endif
            }
            initialized = count
        }
    }
}
