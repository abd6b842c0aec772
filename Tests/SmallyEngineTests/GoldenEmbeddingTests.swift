import Foundation
import SmallyEngine
import SmallyTestSupport
import Testing

/// The engine against sentence-transformers' own output for 62 texts (fixtures made with
/// sentence-transformers 6.2 / torch on this model).
@Suite("Embeddings match sentence-transformers")
struct GoldenEmbeddingTests {
    @Test("token ids and vectors match every golden case", arguments: TestSupport.goldenCases)
    func goldenCase(_ golden: GoldenCase) async throws {
        let engine = try TestSupport.loadEngine()
        let encoding = engine.model.tokenizer.encode(golden.text)
        #expect(encoding.ids == golden.token_ids, "token ids differ for \(golden.id)")
        #expect(encoding.untruncatedCount == golden.num_tokens_untruncated)
        #expect(encoding.truncated == golden.truncated)

        let vector = try await engine.embed(tokenIDs: [golden.token_ids])[0]
        #expect(vector.count == 384)
        let raw = TestSupport.maxAbsDiff(vector, golden.embedding)
        #expect(raw <= 1e-4, "unnormalized max |diff| \(raw) for \(golden.id)")
        let normalized = l2Normalized(vector)
        let diff = TestSupport.maxAbsDiff(normalized, golden.embedding_normalized)
        #expect(diff <= 1e-5, "normalized max |diff| \(diff) for \(golden.id)")
        #expect(TestSupport.cosine(normalized, golden.embedding_normalized) >= 0.99999)
    }

    @Test("a batch of all golden texts equals the texts one by one")
    func batchedEqualsSingle() async throws {
        let engine = try TestSupport.loadEngine()
        let sequences = TestSupport.goldenCases.map(\.token_ids)
        let batched = try await engine.embed(tokenIDs: sequences)
        #expect(batched.count == sequences.count)
        for (index, ids) in sequences.enumerated() {
            let single = try await engine.embed(tokenIDs: [ids])[0]
            let diff = TestSupport.maxAbsDiff(batched[index], single)
            #expect(diff <= 1e-5, "batched vs single max |diff| \(diff) for case \(index)")
        }
    }

    @Test("published similarity figures of all-MiniLM-L6-v2")
    func sanityCosines() async throws {
        let engine = try TestSupport.loadEngine()
        let vectors = try await engine.embed(texts: [
            "The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium.",
        ], normalize: true)
        func rounded(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
        #expect(rounded(TestSupport.cosine(vectors[0], vectors[1])) == 0.6660)
        #expect(rounded(TestSupport.cosine(vectors[0], vectors[2])) == 0.1046)
        #expect(rounded(TestSupport.cosine(vectors[1], vectors[2])) == 0.1411)
    }

    @Test("normalize really switches L2 normalisation")
    func normalizationSwitch() async throws {
        let engine = try TestSupport.loadEngine()
        let raw = try await engine.embed(texts: ["how to reset password"], normalize: false)[0]
        let unit = try await engine.embed(texts: ["how to reset password"], normalize: true)[0]
        let rawNorm = raw.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        let unitNorm = unit.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(abs(unitNorm - 1) < 1e-5)
        #expect(abs(rawNorm - 1) > 1e-2, "the raw mean-pooled vector of this model is not unit length")
    }

    @Test("token ids outside the vocabulary or too long are errors, not crashes")
    func invalidTokenInput() async throws {
        let engine = try TestSupport.loadEngine()
        await #expect(throws: EngineError.tokenIDOutOfRange(index: 0, id: 40_000, vocabularySize: 30_522)) {
            _ = try await engine.embed(tokenIDs: [[101, 40_000, 102]])
        }
        await #expect(throws: EngineError.emptySequence(index: 1)) {
            _ = try await engine.embed(tokenIDs: [[101, 102], []])
        }
        await #expect(throws: EngineError.sequenceTooLong(index: 0, length: 513, maximum: 512)) {
            _ = try await engine.embed(tokenIDs: [[Int32](repeating: 1000, count: 513)])
        }
    }
}
