import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SmallyCore
import SmallyEngine
@testable import SmallyServer
import SmallyTestSupport
import Testing

/// Prompts and reranking over HTTP, on the small fixture models whose sentence-transformers
/// outputs are known (scripts/dev/make_fixture_models.py), served beside MiniLM.
@Suite("prompts and rerank over HTTP")
struct PromptAndRerankTests {
    static func fixture(_ name: String) throws -> (directory: URL, expected: [String: Any]) {
        let directory = RepositoryPaths.fixtures.appendingPathComponent("models/\(name)")
        let data = try Data(contentsOf: directory.appendingPathComponent("expected.json"))
        return (directory, try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]))
    }

    /// MiniLM (default), the prompt fixture as "prompted" and the cross-encoder as "reranker", on shared lanes.
    static func catalog() throws -> ModelCatalog {
        let lanes = InferenceLanes(threads: 2)
        func engine(_ name: String) throws -> InferenceEngine {
            InferenceEngine(model: try EmbeddingModel(directory: try fixture(name).directory), lanes: lanes)
        }
        return ModelCatalog([("minilm", InferenceEngine(model: try ServerTestSupport.engine().model, lanes: lanes)),
                             ("prompted", try engine("bert-h32-prompts-mean")),
                             ("reranker", try engine("cross-encoder-h32"))])
    }

    static func floats(_ value: Any?) -> [Float] { (value as? [NSNumber] ?? []).map(\.floatValue) }

    /// A prompt case of the fixture: prompt name (nil: the model's default), text, tokens, and
    /// sentence-transformers' (normalised) vector.
    struct PromptCase: Sendable {
        let name: String?
        let text: String
        let tokens: Int?
        let vector: [Float]
    }

    /// A (query, document) pair of the cross-encoder fixture with its logit and score.
    struct Pair: Sendable {
        let document: String
        let tokens: Int
        let logit: Float
        let score: Float
    }

    static func body(_ fields: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
    }

    @Test("prompt_name, input_type and the default prompt give sentence-transformers' vectors; the prompt's tokens are counted")
    func prompts() async throws {
        let (_, expected) = try Self.fixture("bert-h32-prompts-mean")
        let named = try #require(expected["prompt_cases"] as? [[String: Any]]).map {
            PromptCase(name: $0["prompt_name"] as? String, text: $0["text"] as? String ?? "", tokens: ($0["token_ids"] as? [Int])?.count,
                       vector: Self.floats($0["sentence_transformers"]))
        }
        let byDefault = try #require(expected["default_prompt_cases"] as? [[String: Any]]).map {
            PromptCase(name: nil, text: $0["text"] as? String ?? "", tokens: nil, vector: Self.floats($0["sentence_transformers"]))
        }
        let prompts = try #require(expected["prompts"] as? [String: String])
        let defaultName = expected["default_prompt_name"] as? String
        #expect(!named.isEmpty && !byDefault.isEmpty)
        // The fixture also has empty texts (for the engine's tests); the API refuses those (400 empty_input).
        let cases = (named + byDefault).filter { !$0.text.isEmpty }
        try await ServerTestSupport.app(catalog: try Self.catalog()).test(.router) { client in
            for item in cases {
                var fields: [String: Any] = ["text": item.text, "model": "prompted", "normalize": true]
                if let name = item.name { fields["prompt_name"] = name }
                let object = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/embed", try Self.body(fields)))
                #expect(ServerTestSupport.maxAbsDiff(Self.floats(object["embedding"]), item.vector) <= 1e-5,
                        "prompt \(item.name ?? "(default)"): \(item.text)")
                if let tokens = item.tokens { #expect(object["tokens"] as? Int == tokens, "the prompt's tokens count") }
            }
            // input_type query is the model's "query" prompt, given by name.
            let text = "what is deep learning"
            let byType = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/embeddings",
                try Self.body(["input": text, "model": "prompted", "input_type": "query"])))
            let byName = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/embeddings",
                try Self.body(["input": text, "model": "prompted", "prompt_name": "query"])))
            func vector(_ object: [String: Any]) -> [Float] { Self.floats((object["data"] as? [[String: Any]])?.first?["embedding"]) }
            #expect(prompts["query"] != nil)
            #expect(!vector(byType).isEmpty && vector(byType) == vector(byName))
            let unknown = try await ServerTestSupport.post(client, "/v1/embed", try Self.body(["text": text, "model": "prompted", "prompt_name": "nope"]))
            #expect(unknown.status == .badRequest)
            #expect(try ServerTestSupport.errorCode(unknown) == "unknown_prompt")
            // /v1/models shows the prompts.
            let models = try ServerTestSupport.object(try await client.execute(uri: "/v1/models", method: .get))
            let prompted = (models["data"] as? [[String: Any]])?.first { $0["id"] as? String == "prompted" }
            #expect(prompted?["prompts"] as? [String: String] == prompts)
            #expect(prompted?["default_prompt_name"] as? String == defaultName)
        }
    }

    @Test("rerank scores equal CrossEncoder.predict, best first; top_n, return_documents, raw_scores; errors in the usual shape")
    func rerank() async throws {
        let (_, expected) = try Self.fixture("cross-encoder-h32")
        let cases = try #require(expected["cases"] as? [[String: Any]])
        let query = try #require(cases.first?["query"] as? String)
        // Empty documents are the engine tests' business: the API refuses them (400 empty_input).
        let pairs = cases.filter { $0["query"] as? String == query && $0["document"] as? String != "" }.map {
            Pair(document: $0["document"] as? String ?? "", tokens: ($0["token_ids"] as? [Int])?.count ?? 0,
                 logit: Self.floats($0["logits"]).first ?? .nan, score: Self.floats($0["scores"]).first ?? .nan)
        }
        let documents = pairs.map(\.document)
        #expect(documents.count >= 3)
        try await ServerTestSupport.app(catalog: try Self.catalog()).test(.router) { client in
            let response = try await ServerTestSupport.post(client, "/v1/rerank",
                try Self.body(["query": query, "documents": documents, "raw_scores": true, "return_documents": true]))
            #expect(response.status == .ok)
            let object = try ServerTestSupport.object(response)
            #expect(object["model"] as? String == "reranker")
            let results = try #require(object["results"] as? [[String: Any]])
            #expect(results.count == documents.count)
            let scores = results.map { ($0["relevance_score"] as? NSNumber)?.floatValue ?? .nan }
            #expect(scores == scores.sorted(by: >), "best first")
            for result in results {
                let index = try #require(result["index"] as? Int)
                let pair = pairs[index]
                let score = (result["relevance_score"] as? NSNumber)?.floatValue ?? .nan
                let logit = (result["logit"] as? NSNumber)?.floatValue ?? .nan
                #expect(abs(score - pair.score) <= 1e-5, "document \(index)")
                #expect(abs(logit - pair.logit) <= 1e-5, "document \(index)")
                #expect((result["document"] as? [String: Any])?["text"] as? String == documents[index])
            }
            let usage = try #require(object["usage"] as? [String: Any])
            #expect(usage["documents"] as? Int == documents.count)
            #expect(usage["total_tokens"] as? Int == pairs.reduce(0) { $0 + $1.tokens })

            // top_n, object documents, no logits or documents unless asked.
            let top = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/rerank",
                try Self.body(["query": query, "documents": documents.map { ["text": $0] }, "top_n": 2, "model": "reranker"])))
            let topResults = try #require(top["results"] as? [[String: Any]])
            #expect(topResults.map { $0["index"] as? Int } == results.prefix(2).map { $0["index"] as? Int })
            #expect(topResults.allSatisfy { $0["logit"] == nil && $0["document"] == nil })

            // Errors: an embedding model, too many documents, a pair too long with truncate false.
            let wrongKind = try await ServerTestSupport.post(client, "/v1/rerank", try Self.body(["query": query, "documents": documents, "model": "minilm"]))
            #expect(try ServerTestSupport.errorCode(wrongKind) == "model_not_supported")
            let tooMany = try await ServerTestSupport.post(client, "/v1/rerank", try Self.body(["query": query, "documents": Array(repeating: "d", count: 257)]))
            #expect(try ServerTestSupport.errorCode(tooMany) == "too_many_inputs")
            let long = Array(repeating: "capital", count: 80).joined(separator: " ")
            let tooLong = try await ServerTestSupport.post(client, "/v1/rerank", try Self.body(["query": query, "documents": ["paris", long], "truncate": false]))
            #expect(tooLong.status == .badRequest)
            #expect(try ServerTestSupport.errorCode(tooLong) == "input_too_long")
            // A cross-encoder cannot embed.
            let embed = try await ServerTestSupport.post(client, "/v1/embed", try Self.body(["text": "x", "model": "reranker"]))
            #expect(try ServerTestSupport.errorCode(embed) == "model_not_supported")
        }
    }
}
