/// sentence-transformers' `quantize_embeddings` for one vector, bit for bit on the binary forms:
/// - `binary` / `ubinary`: `np.packbits(v > 0)` (the last byte zero-padded), minus 128 for `binary`;
/// - `uint8`: `((v - start) / step)` truncated toward zero; `int8`: the same minus 128.
/// numpy leaves values outside the calibrated range undefined (the cast wraps); here they are
/// clamped to the type's range, so a vector beyond the calibration set saturates instead of wrapping.
public enum EmbeddingQuantization {
    /// The quantized values of `vector` as integers (what JSON carries).
    public static func quantize(_ vector: [Float], as format: EmbeddingFormat, ranges: QuantizationRanges?) -> [Int] {
        switch format {
        case .float, .base64:
            preconditionFailure("\(format) is not a quantized format")
        case .binary, .ubinary:
            let packed = packedSignBits(vector)
            return format == .binary ? packed.map { Int($0) - 128 } : packed.map { Int($0) }
        case .int8, .uint8:
            guard let ranges, ranges.starts.count == vector.count else {
                preconditionFailure("int8/uint8 need ranges of the vector's dimension")
            }
            let offset = format == .int8 ? 128 : 0
            return vector.indices.map { i in
                let scaled = (vector[i] - ranges.starts[i]) / ranges.steps[i] - Float(offset)
                guard scaled.isFinite else { return -offset }   // a constant dimension (step 0)
                // Truncation toward zero, as numpy's astype does, within the type's range.
                return Int(Swift.min(Swift.max(scaled, Float(-offset)), Float(255 - offset)).rounded(.towardZero))
            }
        }
    }

    /// `np.packbits(vector > 0)`: bit 7 of byte 0 is dimension 0.
    public static func packedSignBits(_ vector: [Float]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: (vector.count + 7) / 8)
        for (i, value) in vector.enumerated() where value > 0 {
            bytes[i >> 3] |= 0x80 >> UInt8(i & 7)
        }
        return bytes
    }
}
