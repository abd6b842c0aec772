/// Token ids of one text, with [CLS]/[SEP], truncated to the tokenizer's maximum length.
public struct TokenEncoding: Sendable, Equatable, Hashable {
    /// Ids including [CLS] and [SEP]; at most `maxLength` of them.
    public var ids: [Int32]
    /// Length the encoding would have without truncation (including [CLS] and [SEP]).
    public var untruncatedCount: Int

    public init(ids: [Int32], untruncatedCount: Int) {
        self.ids = ids
        self.untruncatedCount = untruncatedCount
    }

    public var truncated: Bool { untruncatedCount > ids.count }
    public var count: Int { ids.count }
}
