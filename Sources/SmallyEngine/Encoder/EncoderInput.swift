/// One sequence for the encoder: token ids with [CLS]/[SEP] (as made by the model's tokenizer),
/// their segments, and where pooling starts.
public struct EncoderInput: Sendable, Hashable {
    public var ids: [Int32]
    /// BERT token type ids, one per id (0 first text, 1 second text of a pair); empty: all 0.
    public var typeIDs: [Int32]
    /// Rows before this are left out of pooling: sentence-transformers masks a prompt's [CLS] + prompt
    /// tokens this way when the pooling has `include_prompt` false (CLS pooling then takes row
    /// `poolingStart`, as sentence-transformers 6 does). 0: every row.
    public var poolingStart: Int

    public init(ids: [Int32], typeIDs: [Int32] = [], poolingStart: Int = 0) {
        self.ids = ids
        self.typeIDs = typeIDs
        self.poolingStart = poolingStart
    }
}
