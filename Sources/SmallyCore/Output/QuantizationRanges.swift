/// Per-dimension ranges for int8/uint8 outputs, as sentence-transformers' `quantize_embeddings`
/// takes them (`ranges` = [minimums, maximums]): `start` = the minimum of each dimension, `step` =
/// (maximum − minimum) / 255, in float32.
public struct QuantizationRanges: Sendable, Equatable {
    public let minimums: [Float]
    public let maximums: [Float]

    public init(minimums: [Float], maximums: [Float]) {
        precondition(minimums.count == maximums.count, "minimums and maximums differ in length")
        self.minimums = minimums
        self.maximums = maximums
    }

    /// The ranges of a set of vectors (all of one dimension; at least one).
    public init(calibration vectors: [[Float]]) {
        precondition(!vectors.isEmpty, "calibration needs at least one vector")
        var minimum = vectors[0]
        var maximum = vectors[0]
        for vector in vectors.dropFirst() {
            for i in vector.indices {
                minimum[i] = Swift.min(minimum[i], vector[i])
                maximum[i] = Swift.max(maximum[i], vector[i])
            }
        }
        self.init(minimums: minimum, maximums: maximum)
    }

    public var dimension: Int { minimums.count }
    public var starts: [Float] { minimums }
    public var steps: [Float] { zip(minimums, maximums).map { ($1 - $0) / 255 } }
}
