// TEMPORARY (lead): replaced by the engine branch's tokenizer API when it is merged.
public enum TruncationDirection: String, Sendable {
    case right, left
}

extension TokenEncoding {
    public var typeIDs: [Int32] { [] }
}

extension WordPieceTokenizer {
    public func encode(_ text: String, maxLength: Int, direction: TruncationDirection) -> TokenEncoding {
        encode(text, maxLength: maxLength)
    }

    public func encodePair(_ first: String, _ second: String, maxLength: Int) -> TokenEncoding {
        encode(first + " " + second, maxLength: maxLength)
    }
}
