/// sentence-transformers' (6.x) `quantize_embeddings` for one vector, value for value:
/// - `binary` / `ubinary`: `np.packbits(v > 0)` (the last byte zero-padded), minus 128 for `binary`;
/// - `uint8`: `clip(floor((v - start) / step), 0, 255)` in float32 (a step of 0 counts as 1);
///   `int8`: the same minus 128. A value beyond the calibrated range saturates.
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
            guard let ranges, ranges.dimension == vector.count else {
                preconditionFailure("int8/uint8 need ranges of the vector's dimension")
            }
            let offset = format == .int8 ? 128 : 0
            let starts = ranges.minimums
            let steps = ranges.steps
            return vector.indices.map { i in
                let step = steps[i] == 0 ? 1 : steps[i]
                let level = ((vector[i] - starts[i]) / step).rounded(.down)
                guard !level.isNaN else { return -offset }
                return Int(Swift.min(Swift.max(level, 0), 255)) - offset
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
