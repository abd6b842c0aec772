import Foundation
import SmallyTestSupport
import Testing
@testable import SmallyTokenizer

/// The model's tokenizer file (other paths: SmallyTestSupport's ``RepositoryPaths``).
enum TestPaths {
    static let tokenizerJSON = RepositoryPaths.modelDirectory.appendingPathComponent("tokenizer.json")
}

/// The model's tokenizer, loaded once for all tests.
enum SharedTokenizer {
    private static let loaded: Result<WordPieceTokenizer, any Error> = Result {
        guard FileManager.default.fileExists(atPath: TestPaths.tokenizerJSON.path) else {
            throw TokenizerError(file: TestPaths.tokenizerJSON.path,
                                 message: "model files missing: run `make model` (or set SMALLY_MODEL_DIR)")
        }
        return try WordPieceTokenizer(contentsOf: TestPaths.tokenizerJSON)
    }

    /// Fails the calling test (never skips) when the model is missing.
    static func get() throws -> WordPieceTokenizer {
        switch loaded {
        case .success(let tokenizer):
            return tokenizer
        case .failure(let error):
            Issue.record("cannot load \(TestPaths.tokenizerJSON.path): \(error)")
            throw error
        }
    }
}

extension GoldenCase: CustomTestStringConvertible {
    public var testDescription: String { "\(id) [\(category)]" }
}

/// Minimal tokenizer.json for tests that do not need the real model.
func makeTokenizerJSON(
    vocab: [String] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "##s", "un", "##aff", "##able",
                       "a", "##a", "!", ",", "e", "\u{301}", "##\u{301}", "i", "\u{307}", "##\u{307}"],
    normalizer: String = #"{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true}"#,
    preTokenizer: String = #"{"type": "BertPreTokenizer"}"#,
    model: String? = nil,
    postProcessor: String = #"{"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}], "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]}, "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}}"#,
    addedTokens: String = #"[{"id": 0, "content": "[PAD]", "special": true, "normalized": false}, {"id": 1, "content": "[UNK]", "special": true, "normalized": false}, {"id": 2, "content": "[CLS]", "special": true, "normalized": false}, {"id": 3, "content": "[SEP]", "special": true, "normalized": false}, {"id": 4, "content": "[MASK]", "special": true, "normalized": false}]"#
) -> [UInt8] {
    func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 || scalar.value > 0x7E {
                    if scalar.value > 0xFFFF {  // JSON escapes as a surrogate pair
                        let v = scalar.value - 0x10000
                        out += String(format: "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
                    } else {
                        out += String(format: "\\u%04x", scalar.value)
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
    let vocabJSON = vocab.enumerated().map { "\(quote($0.element)): \($0.offset)" }.joined(separator: ", ")
    let modelJSON = model ?? ###"{"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": {VOCAB}}"###
    return Array("""
        {"version": "1.0", "truncation": null, "padding": null, "added_tokens": \(addedTokens),
         "normalizer": \(normalizer), "pre_tokenizer": \(preTokenizer), "post_processor": \(postProcessor),
         "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
         "model": \(modelJSON.replacingOccurrences(of: "{VOCAB}", with: "{\(vocabJSON)}"))}
        """.utf8)
}
