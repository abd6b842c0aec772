import Foundation
@testable import SmallyEngine
import Testing

/// Loading model folders: errors name the file; sentence-transformers settings are honoured.
@Suite("model folder")
struct ModelFolderTests {
    /// A copy of the real model folder's small files (weights symlinked), to break on purpose.
    func copyOfModel() throws -> URL {
        let dir = try TestSupport.temporaryDirectory()
        let source = TestSupport.modelDirectory
        for file in ["config.json", "tokenizer.json", "sentence_bert_config.json", "modules.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: dir.appendingPathComponent(file))
        }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("1_Pooling/config.json"),
                                         to: dir.appendingPathComponent("1_Pooling/config.json"))
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("model.safetensors"),
                                                   withDestinationURL: source.appendingPathComponent("model.safetensors"))
        return dir
    }

    @Test("the real folder: max_seq_length 256 overrides tokenizer.json, mean pooling, Normalize module")
    func realFolder() throws {
        let configuration = try ModelConfiguration(directory: TestSupport.modelDirectory)
        #expect(configuration.maxSequenceLength == 256)
        #expect(configuration.pooling == .mean)
        #expect(configuration.normalizesByDefault)
        #expect(configuration.bert == BertConfiguration(hiddenSize: 384, layerCount: 6, headCount: 12, intermediateSize: 1536,
                                                         maxPositions: 512, typeVocabularySize: 2, vocabularySize: 30522,
                                                         layerNormEpsilon: 1e-12))
    }

    @Test("missing files are named")
    func missingFiles() throws {
        for file in ["config.json", "tokenizer.json", "model.safetensors"] {
            let dir = try copyOfModel()
            try FileManager.default.removeItem(at: dir.appendingPathComponent(file))
            do {
                _ = try EmbeddingModel(directory: dir)
                Issue.record("loading without \(file) succeeded")
            } catch {
                #expect(error.file == file)
            }
        }
        #expect(throws: ModelError.self) { _ = try EmbeddingModel(directory: URL(fileURLWithPath: "/nonexistent/model")) }
    }

    @Test("malformed configuration files are named with the problem")
    func malformedConfigs() throws {
        let dir = try copyOfModel()
        try Data("{\"hidden_size\": 384}".utf8).write(to: dir.appendingPathComponent("config.json"))
        #expect(throws: ModelError(file: "config.json", "'num_hidden_layers' is missing or not a positive integer")) {
            _ = try ModelConfiguration(directory: dir)
        }
        let broken = try copyOfModel()
        try Data("not json".utf8).write(to: broken.appendingPathComponent("modules.json"))
        #expect(throws: ModelError(file: "modules.json", "is not a JSON array of module objects")) {
            _ = try ModelConfiguration(directory: broken)
        }
        let tokenizer = try copyOfModel()
        try Data("{\"model\": 1}".utf8).write(to: tokenizer.appendingPathComponent("tokenizer.json"))
        do {
            _ = try EmbeddingModel(directory: tokenizer)
            Issue.record("a broken tokenizer.json was accepted")
        } catch {
            #expect(error.file == "tokenizer.json")
        }
    }

    @Test("CLS pooling from 1_Pooling/config.json is honoured and differs from mean pooling")
    func clsPooling() async throws {
        let dir = try copyOfModel()
        let pooling = dir.appendingPathComponent("1_Pooling/config.json")
        try Data("{\"word_embedding_dimension\": 384, \"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": false}".utf8)
            .write(to: pooling)
        let model = try EmbeddingModel(directory: dir)
        #expect(model.configuration.pooling == .cls)
        let encoder = BertEncoder(weights: model.weights)
        let ids: [Int32] = [101, 7592, 2088, 102]
        let cls = try encoder.forward([ids], pooling: .cls)[0]
        let mean = try encoder.forward([ids], pooling: .mean)[0]
        #expect(TestSupport.maxAbsDiff(cls, mean) > 1e-3)
    }
}
