import Foundation

/// One reference case from sentence-transformers / HF tokenizers on this model: the text, its token
/// ids and, in `public_cases.json`, its embedding (pooled, and normalised). `tokenizer_cases.json`
/// has token ids only.
public struct GoldenCase: Decodable, Sendable {
    public var id: String
    public var category: String
    public var text: String
    public var token_ids: [Int32]
    public var num_tokens_untruncated: Int
    public var truncated: Bool
    public var embedding: [Float]?
    public var embedding_normalized: [Float]?

    /// Reads a fixture file from `Tests/Fixtures`: a JSON array, or (`casesKey`) `{"cases": [...]}`.
    public static func load(_ name: String, casesKey: Bool = false) throws -> [GoldenCase] {
        let data = try Data(contentsOf: RepositoryPaths.fixtures.appendingPathComponent(name))
        // Cold path: test fixtures, where `Decodable` maps the cases' fields for free, Foundation is simpler here.
        if casesKey {
            struct File: Decodable { var cases: [GoldenCase] }
            return try JSONDecoder().decode(File.self, from: data).cases
        }
        return try JSONDecoder().decode([GoldenCase].self, from: data)
    }

    /// The 62 public cases with embeddings (the fixture ships with the repository; a missing or
    /// malformed file is a broken checkout, so this traps with the path).
    public static let publicCases: [GoldenCase] = {
        do {
            return try load("public_cases.json")
        } catch {
            fatalError("cannot read Tests/Fixtures/public_cases.json: \(error)")
        }
    }()
}
