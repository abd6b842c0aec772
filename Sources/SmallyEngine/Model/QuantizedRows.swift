/// A table of rows in int8, one fp32 scale per row (symmetric, `max|row| / 127`): an int8 model's
/// word embeddings, a quarter of the fp32 table's bytes, each row dequantized when a token uses it.
struct QuantizedRows: @unchecked Sendable {
    // Immutable pointers into buffers kept alive by `BertWeights.owners`.
    let values: UnsafePointer<Int8>
    let scales: UnsafePointer<Float>
    let width: Int
    let bytes: Int

    /// Quantizes `rows` rows of `width` from `matrix`; the buffers are appended to `owners`.
    init(matrix: UnsafePointer<Float>, rows: Int, width: Int, owners: inout [AnyObject]) {
        let values = AlignedBuffer<Int8>(count: rows * width)
        let scales = FloatBuffer(count: rows)
        for r in 0..<rows {
            let row = matrix + r * width
            var top: Float = 0
            for i in 0..<width { top = max(top, abs(row[i])) }
            scales[r] = top / 127
            let inverse: Float = top > 0 ? 127 / top : 0
            for i in 0..<width { values.pointer[r * width + i] = Int8((row[i] * inverse).rounded(.toNearestOrEven)) }
        }
        owners += [values, scales]
        self.values = UnsafePointer(values.pointer)
        self.scales = UnsafePointer(scales.pointer)
        self.width = width
        self.bytes = rows * width + rows * 4
    }

    /// `out[i] = row[i] + a[i] + b[i]` for row `index`, dequantized.
    @inline(__always)
    func add(row index: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let scale = scales[index]
        let row = values + index * width
        for i in 0..<width { out[i] = Float(row[i]) * scale + a[i] + b[i] }
    }
}
