/// Which linear layers an int8 model computes in int8 (the others stay fp32). The standard plan
/// was chosen by measurement against fp32 (PERFORMANCE.md, "int8"); other plans exist for those
/// measurements.
struct QuantizationPlan: Sendable {
    /// The four linear layers of a BERT layer.
    enum Part: String, Sendable, CaseIterable {
        case qkv, attentionOutput, intermediate, output
    }

    /// Parts quantized in every layer.
    var parts: Set<Part> = Set(Part.allCases)
    /// Layers (0-based) kept entirely in fp32; negative numbers count from the end (-1: the last).
    var fp32Layers: Set<Int> = []

    /// q, k, v stay fp32: their errors pass through softmax and were the largest of the four parts
    /// (300 varied texts + the golden ones against fp32, mean / min cosine: all int8 0.9952 / 0.981,
    /// q k v fp32 0.9982 / 0.989; any other part alone in fp32 ≤ 0.9963 / 0.986).
    static let standard = QuantizationPlan(parts: [.attentionOutput, .intermediate, .output])

    func quantizes(_ part: Part, layer: Int, of count: Int) -> Bool {
        parts.contains(part) && !fp32Layers.contains(layer) && !fp32Layers.contains(layer - count)
    }
}
