/// The arithmetic of a model's linear layers (`SMALLY_PRECISION`). Part of the model's identity:
/// int8 vectors are close to fp32's but not equal, so they are named, cached and counted apart.
public enum Precision: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The weights as trained.
    case fp32
    /// Weights quantized at load (per output column, smoothed: ``QuantizationPlan``), word embeddings
    /// per row, activations per row at run time, int32 products; layer norm, softmax, GELU,
    /// attention and pooling stay fp32.
    case int8

    public var description: String { rawValue }
}
