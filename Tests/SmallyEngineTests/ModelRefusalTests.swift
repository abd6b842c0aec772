import Foundation
import SmallyEngine
import SmallyTestSupport
import Testing

/// Folders this engine cannot compute exactly are refused at load, naming the file and what is wrong.
@Suite("unsupported model folders are refused")
struct ModelRefusalTests {
    /// A copy of fixture `name` with `file` (a JSON object or array) changed by `edit`.
    func copy(_ name: String, editing file: String, _ edit: (inout Any) -> Void) throws -> URL {
        let dir = try TestSupport.temporaryDirectory().appendingPathComponent(name)
        try FileManager.default.copyItem(at: FixtureModel.root.appendingPathComponent(name), to: dir)
        let url = dir.appendingPathComponent(file)
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        return dir
    }

    func set(_ key: String, _ value: Any) -> (inout Any) -> Void {
        { json in
            var object = json as! [String: Any]
            object[key] = value
            json = object
        }
    }

    /// Loads the folder and returns the error's file and message (nil when it loaded).
    func refusal(_ dir: URL) -> ModelError? {
        do {
            _ = try EmbeddingModel(directory: dir)
            return nil
        } catch {
            return error
        }
    }

    @Test("another architecture: config.json")
    func architecture() throws {
        let error = refusal(try copy("bert-h32-mean", editing: "config.json", set("architectures", ["RobertaModel"])))
        #expect(error?.file == "config.json")
        #expect(error?.message.contains("RobertaModel") == true)
    }

    @Test("a missing tensor: model.safetensors, with the tensor's name")
    func missingTensor() throws {
        // An embedding model's weights declared as a classifier: it has no classifier tensors.
        let dir = try copy("bert-h32-mean", editing: "config.json", set("architectures", ["BertForSequenceClassification"]))
        let error = refusal(dir)
        #expect(error?.file == "model.safetensors")
        #expect(error?.message.contains("classifier.weight") == true)
    }

    @Test("a classifier of another size: model.safetensors, with the shapes")
    func classifierShape() throws {
        let error = refusal(try copy("cross-encoder-h32", editing: "config.json", set("num_labels", 3)))
        #expect(error?.file == "model.safetensors")
        #expect(error?.message.contains("[1, 32]") == true)
    }

    @Test("a module this engine does not run: modules.json")
    func dense() throws {
        let dir = try copy("bert-h32-mean", editing: "modules.json") { json in
            var modules = json as! [[String: Any]]
            modules.append(["idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"])
            json = modules
        }
        let error = refusal(dir)
        #expect(error?.file == "modules.json")
        #expect(error?.message.contains("Dense") == true)
    }

    @Test("weighted-mean or several pooling modes: the pooling config")
    func pooling() throws {
        for mode: Any in ["weightedmean", ["cls", "mean"]] {
            let error = refusal(try copy("bert-h32-mean", editing: "1_Pooling/config.json", set("pooling_mode", mode)))
            #expect(error?.file == "1_Pooling/config.json")
        }
        let legacy = try copy("bert-h64-max-normalize-legacy", editing: "1_Pooling/config.json",
                              set("pooling_mode_mean_tokens", true))
        #expect(refusal(legacy)?.file == "1_Pooling/config.json")
    }

    @Test("a default prompt that is not one of the prompts: config_sentence_transformers.json")
    func defaultPrompt() throws {
        let error = refusal(try copy("bert-h32-prompts-mean", editing: "config_sentence_transformers.json",
                                     set("default_prompt_name", "title")))
        #expect(error?.file == "config_sentence_transformers.json")
    }

    @Test("a max length beyond the position embeddings: the file that sets it")
    func maxLength() throws {
        let error = refusal(try copy("bert-h64-max-normalize-legacy", editing: "sentence_bert_config.json",
                                     set("max_seq_length", 65)))
        #expect(error?.file == "sentence_bert_config.json")
    }

    @Test("a score activation other than Sigmoid/Identity: config_sentence_transformers.json")
    func activation() throws {
        let error = refusal(try copy("cross-encoder-h32", editing: "config_sentence_transformers.json",
                                     set("activation_fn", "torch.nn.modules.activation.Tanh")))
        #expect(error?.file == "config_sentence_transformers.json")
        // A path outside torch is skipped as sentence-transformers does without trust_remote_code.
        let untrusted = try copy("cross-encoder-h32", editing: "config_sentence_transformers.json",
                                 set("activation_fn", "my.module.Activation"))
        #expect(try ModelConfiguration(directory: untrusted).scoreActivation == .sigmoid)
    }

    @Test("older cross-encoders: the pre-4.0 activation in config.json")
    func olderActivation() throws {
        let dir = try copy("cross-encoder-h32", editing: "config_sentence_transformers.json") { json in
            var object = json as! [String: Any]
            object["activation_fn"] = nil
            json = object
        }
        try JSONSerialization.data(withJSONObject: ["architectures": ["BertForSequenceClassification"], "hidden_size": 32,
                                                    "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
                                                    "max_position_embeddings": 64, "vocab_size": 217, "model_type": "bert",
                                                    "sbert_ce_default_activation_function": "torch.nn.modules.linear.Identity"])
            .write(to: dir.appendingPathComponent("config.json"))
        #expect(try ModelConfiguration(directory: dir).scoreActivation == .identity)
    }
}
