import Foundation
import SmallyEngine
import SmallyTestSupport
import Testing

/// The cross-encoder fixture (BertForSequenceClassification, one label, saved by sentence-transformers'
/// CrossEncoder) against CrossEncoder.predict.
@Suite("cross-encoder matches sentence-transformers")
struct CrossEncoderTests {
    @Test("configuration: kind, labels, activation, max length", arguments: FixtureModel.crossEncoders)
    func configuration(_ fixture: FixtureModel) throws {
        let expected = try fixture.crossEncoderExpectations()
        let configuration = try ModelConfiguration(directory: fixture.directory)
        #expect(configuration.kind == .crossEncoder(labelCount: expected.label_count))
        #expect(configuration.maxSequenceLength == expected.max_length)
        #expect(configuration.scoreActivation.rawValue == expected.activation.lowercased())
    }

    @Test("pair ids, segments, logits and scores", arguments: FixtureModel.crossEncoders)
    func logits(_ fixture: FixtureModel) async throws {
        let expected = try fixture.crossEncoderExpectations()
        let model = try EmbeddingModel(directory: fixture.directory)
        let engine = InferenceEngine(model: model, threads: 2)
        let encodings = expected.cases.map {
            model.tokenizer.encodePair($0.query, $0.document, maxLength: model.configuration.maxSequenceLength)
        }
        for (golden, encoding) in zip(expected.cases, encodings) {
            #expect(encoding.ids == golden.token_ids, "ids of \(golden.query.debugDescription) / \(golden.document.debugDescription)")
            #expect(encoding.typeIDs == golden.type_ids)
        }
        let inputs = encodings.map { EncoderInput(ids: $0.ids, typeIDs: $0.typeIDs) }
        let spread = try await engine.run(inputs)
        let lane = try await engine.run(inputs, lane: 0)
        let synchronous = try engine.runSynchronously(Array(inputs.prefix(1)))
        #expect(TestSupport.maxAbsDiff(synchronous[0], spread[0]) <= 1e-6)
        for (golden, (a, b)) in zip(expected.cases, zip(spread, lane)) {
            #expect(a.count == expected.label_count)
            #expect(TestSupport.maxAbsDiff(a, golden.logits) <= 1e-5, "logits \(a) vs \(golden.logits)")
            #expect(TestSupport.maxAbsDiff(b, golden.logits) <= 1e-5, "lane logits \(b) vs \(golden.logits)")
            let scores = model.configuration.scoreActivation.apply(a)
            #expect(TestSupport.maxAbsDiff(scores, golden.scores) <= 1e-6, "scores \(scores) vs \(golden.scores)")
        }
    }

    @Test("segment ids change the result (segment 1 is not treated as 0)", arguments: FixtureModel.crossEncoders)
    func segmentsMatter(_ fixture: FixtureModel) async throws {
        let expected = try fixture.crossEncoderExpectations()
        let engine = InferenceEngine(model: try EmbeddingModel(directory: fixture.directory), threads: 1)
        let golden = expected.cases[0]
        let withSegments = try await engine.run([EncoderInput(ids: golden.token_ids, typeIDs: golden.type_ids)])[0]
        let withoutSegments = try await engine.run([EncoderInput(ids: golden.token_ids)])[0]
        #expect(abs(withSegments[0] - withoutSegments[0]) > 1e-4)
    }

    @Test("segment ids of the wrong count or outside the model's types are errors naming the input")
    func badSegments() async throws {
        let engine = InferenceEngine(model: try EmbeddingModel(directory: FixtureModel.crossEncoders[0].directory), threads: 1)
        let good = EncoderInput(ids: [2, 5, 3, 6, 3], typeIDs: [0, 0, 0, 1, 1])
        await #expect(throws: EngineError.typeIDCountMismatch(index: 1, typeIDs: 2, ids: 3)) {
            _ = try await engine.run([good, EncoderInput(ids: [2, 5, 3], typeIDs: [0, 0])])
        }
        await #expect(throws: EngineError.typeIDOutOfRange(index: 0, typeID: 2, typeVocabularySize: 2)) {
            _ = try await engine.run([EncoderInput(ids: [2, 5, 3], typeIDs: [0, 2, 0])], lane: 0)
        }
    }

    @Test("sigmoid is stable at both ends and matches 1/(1+e^-x)")
    func sigmoidValues() {
        #expect(sigmoid(0) == 0.5)
        #expect(sigmoid(-200) >= 0 && sigmoid(-200) < 1e-30)
        #expect(sigmoid(200) == 1)
        for x: Float in [-5, -1.0658953, 0.3, 4] {
            #expect(abs(sigmoid(x) - 1 / (1 + exp(-x))) <= 1e-7)
        }
        #expect(ScoreActivation.identity.apply([-2, 3]) == [-2, 3])
    }
}
