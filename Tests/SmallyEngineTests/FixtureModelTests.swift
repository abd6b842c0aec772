import Foundation
import SmallyEngine
import SmallyTestSupport
import Testing

/// The small random-weight fixture models (every pooling, with and without Normalize, prompts with
/// include_prompt false, sentence-transformers 6 and older folder formats) against what
/// sentence-transformers 6 computed with them.
@Suite("fixture models match sentence-transformers")
struct FixtureModelTests {
    /// Largest |diff| allowed between our vectors and sentence-transformers', normalised or not
    /// (pooled values are of order 1–10; measured: ≤ 3e-6 unnormalised, ≤ 4e-7 normalised).
    static let tolerance: Float = 1e-5

    @Test("the fixture folder holds every kind of model")
    func inventory() {
        #expect(FixtureModel.embeddingModels.count >= 7)
        #expect(FixtureModel.crossEncoders.count >= 1)
    }

    @Test("configuration read as sentence-transformers reads it", arguments: FixtureModel.embeddingModels)
    func configuration(_ fixture: FixtureModel) throws {
        let expected = try fixture.embeddingExpectations()
        let configuration = try EmbeddingModel(directory: fixture.directory).configuration
        #expect(configuration.kind == .embedding)
        #expect(configuration.maxSequenceLength == expected.max_length)
        #expect(configuration.pooling.rawValue == expected.pooling)
        #expect(configuration.includePrompt == expected.include_prompt)
        #expect(configuration.normalizesByDefault == expected.normalize)
        #expect(configuration.dimension == expected.dimension)
        #expect(configuration.prompts == expected.prompts)
        #expect(configuration.defaultPromptName == expected.default_prompt_name)
    }

    @Test("token ids and vectors, on one lane and spread over lanes", arguments: FixtureModel.embeddingModels)
    func embeddings(_ fixture: FixtureModel) async throws {
        let expected = try fixture.embeddingExpectations()
        let engine = InferenceEngine(model: try EmbeddingModel(directory: fixture.directory), threads: 2)
        let tokenizer = engine.model.tokenizer
        for golden in expected.cases {
            let encoding = tokenizer.encode(golden.text)
            #expect(encoding.ids == golden.token_ids, "\(fixture) ids of \(golden.text.debugDescription)")
            #expect(encoding.untruncatedCount == golden.untruncated_count, "\(fixture) \(golden.text.debugDescription)")
        }
        let inputs = expected.cases.map { EncoderInput(ids: $0.token_ids) }
        let split = try await engine.run(inputs)               // a batch: split over both lanes
        let lane = try await engine.run(inputs, lane: 1)       // one lane
        var together: [[Float]] = []                           // one text at a time: both lanes on one pass
        for input in inputs { together.append(try await engine.run([input])[0]) }
        for (path, vectors) in [("split", split), ("lane", lane), ("together", together)] {
            for (golden, vector) in zip(expected.cases, vectors) {
                check(vector, golden.embedding, golden.sentence_transformers, normalize: expected.normalize,
                      "\(fixture) \(path) \(golden.text.debugDescription)")
            }
        }
    }

    @Test("prompts: ids of prompt + text, prompt length, prompt tokens left out of pooling", arguments: FixtureModel.embeddingModels)
    func prompts(_ fixture: FixtureModel) async throws {
        let expected = try fixture.embeddingExpectations()
        let model = try EmbeddingModel(directory: fixture.directory)
        let engine = InferenceEngine(model: model, threads: 1)
        for golden in expected.prompt_cases {
            #expect(model.configuration.prompts[golden.prompt_name] == golden.prompt)
            let encoding = model.tokenizer.encode(golden.prompt + golden.text)
            #expect(encoding.ids == golden.token_ids, "\(fixture) \(golden.prompt_name) \(golden.text.debugDescription)")
            let promptLength = model.promptLength(golden.prompt)
            #expect(promptLength == golden.prompt_length)
            let start = model.configuration.includePrompt ? 0 : promptLength
            let vector = try await engine.run([EncoderInput(ids: encoding.ids, poolingStart: start)])[0]
            check(vector, golden.embedding, golden.sentence_transformers, normalize: expected.normalize,
                  "\(fixture) \(golden.prompt_name) \(golden.text.debugDescription)")
        }
        // An empty prompt is no prompt: nothing is left out of pooling (the cases ran with prompt "").
        #expect(model.promptLength("") == 0)
        // encode() without a prompt applies the default prompt.
        if let name = model.configuration.defaultPromptName, let prompt = model.configuration.prompts[name] {
            for golden in expected.default_prompt_cases ?? [] {
                let ids = model.tokenizer.encode(prompt + golden.text).ids
                let start = model.configuration.includePrompt ? 0 : model.promptLength(prompt)
                let vector = try await engine.run([EncoderInput(ids: ids, poolingStart: start)])[0]
                let diff = TestSupport.maxAbsDiff(expected.normalize ? l2Normalized(vector) : vector, golden.sentence_transformers)
                #expect(diff <= Self.tolerance, "\(fixture) default prompt \(golden.text.debugDescription): \(diff)")
            }
        }
    }

    @Test("left truncation keeps the last tokens as HF tokenizers does", arguments: FixtureModel.embeddingModels)
    func leftTruncation(_ fixture: FixtureModel) throws {
        let expected = try fixture.embeddingExpectations()
        let tokenizer = try EmbeddingModel(directory: fixture.directory).tokenizer
        #expect(expected.left_truncation.contains { $0.token_ids.count < tokenizer.encode($0.text, maxLength: .max).count })
        for golden in expected.left_truncation {
            let encoding = tokenizer.encode(golden.text, maxLength: golden.max_length, direction: .left)
            #expect(encoding.ids == golden.token_ids, "\(fixture) \(golden.max_length) \(golden.text.debugDescription)")
        }
    }

    private func check(_ vector: [Float], _ pooled: [Float], _ returned: [Float], normalize: Bool, _ label: String) {
        let raw = TestSupport.maxAbsDiff(vector, pooled)
        #expect(raw <= Self.tolerance, "\(label): unnormalized max |diff| \(raw)")
        let output = normalize ? l2Normalized(vector) : vector
        let diff = TestSupport.maxAbsDiff(output, returned)
        #expect(diff <= Self.tolerance, "\(label): sentence-transformers output max |diff| \(diff)")
    }
}
