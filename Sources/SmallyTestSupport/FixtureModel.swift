import Foundation

/// One of the small random-weight model folders under `Tests/Fixtures/models/` and what
/// sentence-transformers computed with it (`expected.json`, from scripts/dev/make_fixture_models.py).
public struct FixtureModel: Sendable, CustomStringConvertible {
    public var name: String
    public var directory: URL { FixtureModel.root.appendingPathComponent(name) }
    public var description: String { name }

    public static let root = RepositoryPaths.fixtures.appendingPathComponent("models")

    /// Every fixture folder (those with an expected.json), sorted by name.
    public static let all: [FixtureModel] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.sorted()
            .filter { FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/expected.json").path) }
            .map { FixtureModel(name: $0) }
    }()

    public static var embeddingModels: [FixtureModel] { all.filter { !$0.name.hasPrefix("cross-encoder") } }
    public static var crossEncoders: [FixtureModel] { all.filter { $0.name.hasPrefix("cross-encoder") } }

    /// expected.json of an embedding model.
    public func embeddingExpectations() throws -> EmbeddingExpectations {
        try Self.decode(EmbeddingExpectations.self, directory.appendingPathComponent("expected.json"))
    }

    /// expected.json of a cross-encoder.
    public func crossEncoderExpectations() throws -> CrossEncoderExpectations {
        try Self.decode(CrossEncoderExpectations.self, directory.appendingPathComponent("expected.json"))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ url: URL) throws -> T {
        // Cold path: test fixtures, where `Decodable` maps the fields for free.
        try JSONDecoder().decode(type, from: Data(contentsOf: url))
    }
}

/// What sentence-transformers 6 computed with an embedding fixture model.
public struct EmbeddingExpectations: Decodable, Sendable {
    public struct Case: Decodable, Sendable {
        public var text: String
        public var token_ids: [Int32]
        public var untruncated_count: Int
        /// The pooled vector before any Normalize module.
        public var embedding: [Float]
        /// What `SentenceTransformer.encode` returns (normalised when the model has Normalize).
        public var sentence_transformers: [Float]
    }

    public struct LeftTruncation: Decodable, Sendable {
        public var text: String
        public var max_length: Int
        public var token_ids: [Int32]
    }

    public struct PromptCase: Decodable, Sendable {
        public var prompt_name: String
        public var prompt: String
        public var text: String
        /// sentence-transformers' prompt length: [CLS] + the prompt's tokens (no [SEP]).
        public var prompt_length: Int
        /// Ids of prompt + text.
        public var token_ids: [Int32]
        public var embedding: [Float]
        public var sentence_transformers: [Float]
    }

    public struct DefaultPromptCase: Decodable, Sendable {
        public var text: String
        public var sentence_transformers: [Float]
    }

    public var model: String
    public var max_length: Int
    public var pooling: String
    public var include_prompt: Bool
    public var normalize: Bool
    public var dimension: Int
    public var prompts: [String: String]
    public var default_prompt_name: String?
    public var cases: [Case]
    public var left_truncation: [LeftTruncation]
    public var prompt_cases: [PromptCase]
    public var default_prompt_cases: [DefaultPromptCase]?
}

/// What sentence-transformers 6's CrossEncoder computed with a cross-encoder fixture.
public struct CrossEncoderExpectations: Decodable, Sendable {
    public struct Case: Decodable, Sendable {
        public var query: String
        public var document: String
        public var token_ids: [Int32]
        public var type_ids: [Int32]
        /// Raw logits (`predict` with Identity).
        public var logits: [Float]
        /// `predict`'s scores (the model's activation applied; one per label).
        public var scores: [Float]
    }

    public struct PairTruncation: Decodable, Sendable {
        public var first: String
        public var second: String
        public var max_length: Int
        public var token_ids: [Int32]
        public var type_ids: [Int32]
    }

    public var model: String
    public var max_length: Int
    public var label_count: Int
    /// torch class name of the activation, e.g. "Sigmoid".
    public var activation: String
    public var cases: [Case]
    public var pair_truncation: [PairTruncation]
}
