import Foundation

/// The head of `BertForSequenceClassification` (a cross-encoder): BERT's pooler (dense + tanh on
/// the [CLS] row) and the classifier (dense to `labelCount` logits). Dropout is inactive at inference.
struct ClassifierWeights: @unchecked Sendable {
    // Immutable pointers into buffers kept alive by `BertWeights.owners`.
    let poolerWeight: UnsafePointer<Float>      // [H, H]
    let poolerBias: UnsafePointer<Float>        // [H]
    let classifierWeight: UnsafePointer<Float>  // [labels, H]
    let classifierBias: UnsafePointer<Float>    // [labels]
    let hiddenSize: Int
    let labelCount: Int

    /// The logits for one sequence whose [CLS] row (after the last layer) is `cls`.
    func logits(cls: UnsafePointer<Float>) -> [Float] {
        let h = hiddenSize
        var pooled = [Float](repeating: 0, count: h)
        for o in 0..<h {
            pooled[o] = tanh(poolerBias[o] + dot(poolerWeight + o * h, cls, h))
        }
        return pooled.withUnsafeBufferPointer { p in
            (0..<labelCount).map { label in classifierBias[label] + dot(classifierWeight + label * h, p.baseAddress!, h) }
        }
    }

    private func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var sum: Float = 0
        for i in 0..<n { sum += a[i] * b[i] }
        return sum
    }
}
