/// A token-id sequence the model cannot take, named as the client wrote it: `input` when the
/// request has one sequence, `input[i]` when it has several (the OpenAI field).
public struct InvalidTokenInput: Sendable, Equatable {
    public enum Problem: Sendable, Equatable {
        case empty
        case tooManyTokens(count: Int, maximum: Int)
        case tokenIDOutOfRange(id: Int, vocabularySize: Int)
    }

    /// Position of the sequence in the request; nil when it is the only one.
    public var index: Int?
    public var problem: Problem

    public init(index: Int?, problem: Problem) {
        self.index = index
        self.problem = problem
    }

    /// The request field at fault.
    public var param: String { index.map { "input[\($0)]" } ?? "input" }

    public var message: String {
        switch problem {
        case .empty:
            "'\(param)' must contain at least one token id."
        case .tooManyTokens(let count, let maximum):
            "'\(param)' has \(count) token ids; the model accepts at most \(maximum)."
        case .tokenIDOutOfRange(let id, let vocabularySize):
            "'\(param)' contains token id \(id), outside the vocabulary (0..<\(vocabularySize))."
        }
    }
}
