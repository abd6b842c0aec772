/// Finds added (special) tokens such as "[SEP]" in the raw text, before normalization.
///
/// HF matches `normalized: false` added tokens case-sensitively with a leftmost-longest
/// Aho-Corasick search and splits the text around them. With a handful of tokens, checking
/// each token at positions whose byte can start one gives the same leftmost-longest result.
struct AddedTokenMatcher: Sendable {
    private let tokens: [(bytes: [UInt8], id: Int32)]  // longest first
    private let startBytes: [Bool]                       // 256 entries

    init(_ addedTokens: [TokenizerConfiguration.AddedToken]) {
        var tokens = addedTokens.map { (bytes: Array($0.content.utf8), id: $0.id) }
        tokens.sort { $0.bytes.count > $1.bytes.count }
        var startBytes = [Bool](repeating: false, count: 256)
        for token in tokens { startBytes[Int(token.bytes[0])] = true }
        self.tokens = tokens
        self.startBytes = startBytes
    }

    var isEmpty: Bool { tokens.isEmpty }

    @inline(__always)
    func mayStart(with byte: UInt8) -> Bool { startBytes[Int(byte)] }

    /// The longest added token starting at `position`, if any.
    func match(_ text: UnsafeBufferPointer<UInt8>, at position: Int) -> (length: Int, id: Int32)? {
        let available = text.count - position
        for token in tokens where token.bytes.count <= available {
            var equal = true
            for k in 0..<token.bytes.count where text[position + k] != token.bytes[k] {
                equal = false
                break
            }
            if equal { return (token.bytes.count, token.id) }
        }
        return nil
    }
}
