// TEMPORARY (lead): replaced by the engine branch's `run` when it is merged.
extension InferenceEngine {
    public func run(_ inputs: [EncoderInput]) async throws -> [[Float]] {
        try await embed(tokenIDs: inputs.map(\.ids))
    }

    public func run(_ inputs: [EncoderInput], lane: Int) async throws -> [[Float]] {
        try await embed(tokenIDs: inputs.map(\.ids), lane: lane)
    }
}

public enum ModelKind: Sendable, Equatable {
    case embedding
    case crossEncoder(labelCount: Int)
}

extension ModelConfiguration {
    public var kind: ModelKind { .embedding }
    public var prompts: [String: String] { [:] }
    public var defaultPromptName: String? { nil }
    public var includePrompt: Bool { true }
}
