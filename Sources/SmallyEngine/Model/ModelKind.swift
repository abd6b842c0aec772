/// What a model folder computes: sentence embeddings (a sentence-transformers model) or relevance
/// scores of text pairs (a cross-encoder, `BertForSequenceClassification` in config.json).
public enum ModelKind: Sendable, Equatable {
    case embedding
    /// `labelCount` logits per pair (config.json `num_labels`, or the size of `id2label`).
    case crossEncoder(labelCount: Int)
}
