/// Inputs the encoder refuses. These come from callers (for example token-id input on the HTTP
/// API), so they are errors, never traps.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptySequence(index: Int)
    case sequenceTooLong(index: Int, length: Int, maximum: Int)
    case tokenIDOutOfRange(index: Int, id: Int32, vocabularySize: Int)

    public var description: String {
        switch self {
        case .emptySequence(let index):
            "input \(index) has no tokens"
        case .sequenceTooLong(let index, let length, let maximum):
            "input \(index) has \(length) tokens; the model accepts at most \(maximum)"
        case .tokenIDOutOfRange(let index, let id, let size):
            "input \(index) contains token id \(id), outside the vocabulary (0..<\(size))"
        }
    }
}
