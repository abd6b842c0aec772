/// Token ids of one text (or one pair of texts), with [CLS]/[SEP], truncated to the tokenizer's maximum length.
public struct TokenEncoding: Sendable, Equatable, Hashable {
    /// Ids including [CLS] and [SEP]; at most `maxLength` of them.
    public var ids: [Int32]
    /// Length the encoding would have without truncation (including [CLS] and [SEP]).
    public var untruncatedCount: Int
    /// Segment of each id (BERT's token type ids): 0 for the first text with its [SEP], 1 for the
    /// second of a pair. Empty means all 0, so single texts carry no second array.
    public var typeIDs: [Int32]

    public init(ids: [Int32], untruncatedCount: Int, typeIDs: [Int32] = []) {
        self.ids = ids
        self.untruncatedCount = untruncatedCount
        self.typeIDs = typeIDs
    }

    public var truncated: Bool { untruncatedCount > ids.count }
    public var count: Int { ids.count }
}
