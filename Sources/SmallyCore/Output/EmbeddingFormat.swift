/// How a vector is written in a response (`encoding_format`, or one of Cohere's `embedding_types`).
public enum EmbeddingFormat: String, Sendable, CaseIterable {
    /// JSON numbers.
    case float
    /// Little-endian float32 bytes in base64 (what OpenAI's clients decode by default).
    case base64
    /// One signed byte per dimension, over the model's calibrated range (``QuantizationRanges``).
    case int8
    /// One unsigned byte per dimension, over the calibrated range.
    case uint8
    /// Sign bits, 8 dimensions per byte (first dimension in the high bit), as signed bytes (value − 128).
    case binary
    /// Sign bits, 8 dimensions per byte, as unsigned bytes.
    case ubinary

    /// Whether the format needs the model's calibrated ranges.
    public var needsRanges: Bool { self == .int8 || self == .uint8 }
}
