import Foundation
import Testing
@testable import SmallyTokenizer

@Suite("tokenizer configuration") struct TokenizerConfigurationTests {
    private func error(_ json: [UInt8], source: String = "/models/x/tokenizer.json") -> TokenizerError? {
        do {
            _ = try WordPieceTokenizer(tokenizerJSON: json, source: source)
            return nil
        } catch let error as TokenizerError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    @Test("malformed JSON names the file") func malformedJSONNamesTheFile() throws {
        let failure = try #require(error(Array("{\"model\": {".utf8)))
        #expect(failure.file == "/models/x/tokenizer.json")
        #expect(failure.description.hasPrefix("/models/x/tokenizer.json: "))
        #expect(failure.message.contains("invalid tokenizer.json"))
    }

    @Test("missing file names the path") func missingFileNamesThePath() throws {
        let url = URL(fileURLWithPath: "/nonexistent/dir/tokenizer.json")
        #expect(throws: TokenizerError.self) { try WordPieceTokenizer(contentsOf: url) }
        do {
            _ = try WordPieceTokenizer(contentsOf: url)
        } catch let failure as TokenizerError {
            #expect(failure.file == url.path)
        }
    }

    @Test("unsupported content is rejected", arguments: [
        (makeTokenizerJSON(normalizer: #"{"type": "Lowercase"}"#), "normalizer type \"Lowercase\""),
        (makeTokenizerJSON(normalizer: "null"), "unsupported normalizer"),
        (makeTokenizerJSON(preTokenizer: #"{"type": "Whitespace"}"#), "pre_tokenizer type \"Whitespace\""),
        (makeTokenizerJSON(model: #"{"type": "BPE", "vocab": {VOCAB}, "merges": []}"#), "model type \"BPE\""),
        (makeTokenizerJSON(postProcessor: #"{"type": "RobertaProcessing"}"#), "post_processor type \"RobertaProcessing\""),
        (makeTokenizerJSON(postProcessor: #"{"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 0}}], "special_tokens": {}}"#),
         "template"),
        (makeTokenizerJSON(addedTokens: #"[{"id": 5, "content": "hello", "special": false, "normalized": true}]"#),
         "normalized: true"),
        (makeTokenizerJSON(addedTokens: #"[{"id": 4, "content": "[MASK]", "special": true, "normalized": false, "lstrip": true}]"#),
         "lstrip"),
        (makeTokenizerJSON(vocab: ["[PAD]", "[CLS]", "[SEP]", "a"]), "unk_token \"[UNK]\" is not in model.vocab"),
        (makeTokenizerJSON(model: #"{"type": "WordPiece", "unk_token": "[UNK]", "max_input_chars_per_word": 1000000, "vocab": {VOCAB}}"#),
         "max_input_chars_per_word"),
        (makeTokenizerJSON(model: #"{"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"a": 1.5}}"#), "model.vocab"),
    ])
    func unsupportedContentIsRejected(json: [UInt8], expected: String) throws {
        let failure = try #require(error(json))
        #expect(failure.file == "/models/x/tokenizer.json")
        #expect(failure.message.contains(expected), "\(failure)")
    }

    @Test("bert processing is supported") func bertProcessingIsSupported() throws {
        let json = makeTokenizerJSON(postProcessor: #"{"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]}"#)
        let tokenizer = try WordPieceTokenizer(tokenizerJSON: json)
        #expect(tokenizer.encode("hello").ids == [2, 5, 3])
    }

    @Test("normalizer flags are read from the file") func normalizerFlagsAreReadFromTheFile() throws {
        let cased = try WordPieceTokenizer(tokenizerJSON: makeTokenizerJSON(
            normalizer: #"{"type": "BertNormalizer", "lowercase": false}"#))
        #expect(cased.encode("hello Hello").ids == [2, 5, 1, 3])
        // strip_accents: null follows lowercase (off here): "é" stays precomposed and unknown
        #expect(cased.encode("\u{E9}").ids == [2, 1, 3])
        let lower = try WordPieceTokenizer(tokenizerJSON: makeTokenizerJSON())
        #expect(lower.encode("\u{C9}").ids == [2, 15, 3])
    }

    /// "é" (U+00E9) and "e\u{301}" are different tokens; Swift `String` keys would merge them.
    @Test("canonically equivalent vocabulary keys stay distinct") func canonicallyEquivalentVocabularyKeysStayDistinct() throws {
        let json = makeTokenizerJSON(
            vocab: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "\u{E9}", "e\u{301}"],
            normalizer: #"{"type": "BertNormalizer", "lowercase": false, "strip_accents": false}"#)
        let tokenizer = try WordPieceTokenizer(tokenizerJSON: json)
        #expect(tokenizer.vocabularySize == 7)
        #expect(tokenizer.encode("\u{E9}").ids == [2, 5, 3])
        #expect(tokenizer.encode("e\u{301}").ids == [2, 6, 3])
        #expect(tokenizer.token(for: 6).map { Array($0.unicodeScalars) } == ["e", "\u{301}"])
    }

    @Test("json escapes in vocabulary") func jsonEscapesInVocabulary() throws {
        let json = Array(String(decoding: makeTokenizerJSON(), as: UTF8.self)
            .replacingOccurrences(of: "\"hello\": 5", with: "\"h\\u0065llo\": 5").utf8)
        let tokenizer = try WordPieceTokenizer(tokenizerJSON: json)
        #expect(tokenizer.encode("hello").ids == [2, 5, 3])
        #expect(tokenizer.token(for: 5) == "hello")
    }
}
