/// Inputs the encoder refuses (out-of-range ids would read outside the embedding table), as errors,
/// never traps, for callers of the engine itself (the CLI, benchmarks). Token ids from the API are
/// checked before, with tighter bounds, by SmallyCore (`EmbeddingService.validated(tokenIDs:)`), so
/// they never reach this.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptySequence(index: Int)
    case sequenceTooLong(index: Int, length: Int, maximum: Int)
    case tokenIDOutOfRange(index: Int, id: Int32, vocabularySize: Int)
    case typeIDCountMismatch(index: Int, typeIDs: Int, ids: Int)
    case typeIDOutOfRange(index: Int, typeID: Int32, typeVocabularySize: Int)

    public var description: String {
        switch self {
        case .emptySequence(let index):
            "input \(index) has no tokens"
        case .sequenceTooLong(let index, let length, let maximum):
            "input \(index) has \(length) tokens; the model accepts at most \(maximum)"
        case .tokenIDOutOfRange(let index, let id, let size):
            "input \(index) contains token id \(id), outside the vocabulary (0..<\(size))"
        case .typeIDCountMismatch(let index, let types, let ids):
            "input \(index) has \(types) token type ids for \(ids) tokens"
        case .typeIDOutOfRange(let index, let type, let size):
            "input \(index) contains token type id \(type), outside the model's types (0..<\(size))"
        }
    }
}
