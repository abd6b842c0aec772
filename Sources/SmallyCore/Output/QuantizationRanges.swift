/// Per-dimension ranges for int8/uint8 outputs, as sentence-transformers' `quantize_embeddings`
/// takes them from calibration embeddings: `start` = the minimum of each dimension, `step` =
/// (maximum − minimum) / 255.
public struct QuantizationRanges: Sendable, Equatable {
    public var starts: [Float]
    public var steps: [Float]

    public init(starts: [Float], steps: [Float]) {
        precondition(starts.count == steps.count, "starts and steps differ in length")
        self.starts = starts
        self.steps = steps
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
        starts = minimum
        // float32 as numpy computes it on float32 embeddings.
        steps = zip(minimum, maximum).map { ($1 - $0) / 255 }
    }
}
