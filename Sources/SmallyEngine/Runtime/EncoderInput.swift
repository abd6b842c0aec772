/// One sequence for the encoder: token ids, their segments, and where pooling starts.
public struct EncoderInput: Sendable, Hashable {
    public var ids: [Int32]
    /// Segment of each token (cross-encoder pairs); empty: all segment 0.
    public var typeIDs: [Int32]
    /// Rows before this are left out of mean/max pooling (a prompt, with `include_prompt` false).
    public var poolingStart: Int

    public init(ids: [Int32], typeIDs: [Int32] = [], poolingStart: Int = 0) {
        self.ids = ids
        self.typeIDs = typeIDs
        self.poolingStart = poolingStart
    }
}
