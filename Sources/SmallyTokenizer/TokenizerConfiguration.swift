import Foundation

/// The parts of a Hugging Face `tokenizer.json` this tokenizer implements, validated.
///
/// Only the BERT pipeline is supported (BertNormalizer, BertPreTokenizer, WordPiece,
/// TemplateProcessing/BertProcessing with one [CLS]-like and one [SEP]-like token);
/// anything else is rejected rather than silently tokenized differently from HF.
/// The file's own `truncation`/`padding` sections are ignored: sentence-transformers
/// replaces them with its `max_seq_length` (see `WordPieceTokenizer.maxLength`).
struct TokenizerConfiguration: Sendable {
    struct AddedToken: Sendable, Equatable {
        var content: String
        var id: Int32
    }

    var normalizer: BertNormalizer.Options
    var unknownToken: String
    var continuingSubwordPrefix: String
    var maxInputCharsPerWord: Int
    /// Model vocabulary as raw UTF-8 keys (not `String`s: Swift's `String` equality is
    /// canonical equivalence, which would merge distinct tokens such as "é" and "e\u{301}").
    var vocabulary: [(token: [UInt8], id: Int32)]
    /// Added tokens matched literally in the raw text (all `normalized: false`).
    var addedTokens: [AddedToken]
    var clsId: Int32
    var sepId: Int32
    /// `padding.pad_id`, when the file has a padding section.
    var padId: Int32?

    /// Largest `max_input_chars_per_word` accepted; the per-word scratch buffer is sized from it.
    static let maxSupportedInputCharsPerWord = 4096

    init(json: [UInt8], source: String) throws {
        func fail(_ message: String) -> TokenizerError { TokenizerError(file: source, message: message) }

        let raw: RawTokenizer
        do {
            // Cold path: read once at model load, and `Decodable` states the nested shape (the vocabulary goes through JSONVocabularyReader), Foundation is simpler here.
            raw = try JSONDecoder().decode(RawTokenizer.self, from: Data(json))
        } catch let error as DecodingError {
            throw fail("invalid tokenizer.json: \(Self.describe(error))")
        } catch {
            throw fail("invalid tokenizer.json: \(error)")
        }

        // Normalizer
        guard let normalizer = raw.normalizer else {
            throw fail("unsupported normalizer: null (only BertNormalizer is supported)")
        }
        guard normalizer.type == "BertNormalizer" else {
            throw fail("unsupported normalizer type \"\(normalizer.type)\" (only BertNormalizer is supported)")
        }
        let lowercase = normalizer.lowercase ?? true
        self.normalizer = BertNormalizer.Options(
            cleanText: normalizer.clean_text ?? true,
            handleChineseChars: normalizer.handle_chinese_chars ?? true,
            // HF: `strip_accents: null` means "strip accents when lowercasing".
            stripAccents: normalizer.strip_accents ?? lowercase,
            lowercase: lowercase)

        // Pre-tokenizer
        guard let preTokenizer = raw.pre_tokenizer else {
            throw fail("unsupported pre_tokenizer: null (only BertPreTokenizer is supported)")
        }
        guard preTokenizer.type == "BertPreTokenizer" else {
            throw fail("unsupported pre_tokenizer type \"\(preTokenizer.type)\" (only BertPreTokenizer is supported)")
        }

        // Model
        guard raw.model.type == nil || raw.model.type == "WordPiece" else {
            throw fail("unsupported model type \"\(raw.model.type ?? "")\" (only WordPiece is supported)")
        }
        unknownToken = raw.model.unk_token ?? "[UNK]"
        continuingSubwordPrefix = raw.model.continuing_subword_prefix ?? "##"
        maxInputCharsPerWord = raw.model.max_input_chars_per_word ?? 100
        guard (0...Self.maxSupportedInputCharsPerWord).contains(maxInputCharsPerWord) else {
            throw fail("unsupported model.max_input_chars_per_word \(maxInputCharsPerWord) "
                + "(must be 0...\(Self.maxSupportedInputCharsPerWord))")
        }
        do {
            vocabulary = try JSONVocabularyReader.readModelVocabulary(json)
        } catch {
            throw fail("invalid model.vocab: \((error as? JSONVocabularyReader.ReadError)?.message ?? "\(error)")")
        }
        guard !vocabulary.isEmpty else { throw fail("model.vocab is empty") }

        // Added tokens: matched in the raw text before normalization, which is only right
        // for `normalized: false` tokens without stripping/word-boundary options.
        var added: [AddedToken] = []
        for token in raw.added_tokens ?? [] {
            guard !token.content.isEmpty else { throw fail("added token with id \(token.id) has empty content") }
            guard token.normalized == false else {
                throw fail("unsupported added token \"\(token.content)\": normalized: true")
            }
            guard token.lstrip != true, token.rstrip != true, token.single_word != true else {
                throw fail("unsupported added token \"\(token.content)\": lstrip/rstrip/single_word")
            }
            guard let id = Int32(exactly: token.id), id >= 0 else {
                throw fail("added token \"\(token.content)\" has invalid id \(token.id)")
            }
            added.append(AddedToken(content: token.content, id: id))
        }
        addedTokens = added

        padId = raw.padding?.pad_id.flatMap { Int32(exactly: $0) }

        // Post-processor: the ids of the tokens around the single sequence.
        guard let post = raw.post_processor else {
            throw fail("unsupported post_processor: null (TemplateProcessing or BertProcessing expected)")
        }
        switch post.type {
        case "TemplateProcessing":
            let pieces = post.single ?? []
            guard pieces.count == 3,
                  let first = pieces[0].SpecialToken?.id, pieces[1].Sequence?.id == "A",
                  let last = pieces[2].SpecialToken?.id
            else {
                throw fail("unsupported post_processor template: single must be "
                    + "[SpecialToken, Sequence A, SpecialToken]")
            }
            func specialId(_ name: String) throws -> Int32 {
                guard let special = post.special_tokens?[name], special.ids.count == 1,
                      let id = Int32(exactly: special.ids[0]), id >= 0
                else {
                    throw fail("post_processor.special_tokens must map \"\(name)\" to exactly one id")
                }
                return id
            }
            clsId = try specialId(first)
            sepId = try specialId(last)
        case "BertProcessing":
            guard let cls = post.cls, let sep = post.sep,
                  let clsValue = Int32(exactly: cls.id), let sepValue = Int32(exactly: sep.id),
                  clsValue >= 0, sepValue >= 0
            else { throw fail("post_processor BertProcessing needs cls and sep [token, id] pairs") }
            clsId = clsValue
            sepId = sepValue
        default:
            throw fail("unsupported post_processor type \"\(post.type)\" "
                + "(TemplateProcessing or BertProcessing expected)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let context):
            return "malformed JSON (\(context.debugDescription))"
        case .keyNotFound(let key, let context):
            let at = path(context)
            return "missing key \"\(key.stringValue)\"" + (at.isEmpty ? "" : " in \(at)")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "unexpected value at \(path(context)) (\(context.debugDescription))"
        @unknown default:
            return "\(error)"
        }
    }
}

// MARK: - Raw JSON shapes (field names as in tokenizer.json)

private struct RawTokenizer: Decodable {
    var added_tokens: [RawAddedToken]?
    var normalizer: RawNormalizer?
    var pre_tokenizer: RawTyped?
    var post_processor: RawPostProcessor?
    var padding: RawPadding?
    var model: RawModel
}

private struct RawPadding: Decodable {
    var pad_id: Int?
}

private struct RawTyped: Decodable {
    var type: String
}

private struct RawNormalizer: Decodable {
    var type: String
    var clean_text: Bool?
    var handle_chinese_chars: Bool?
    var strip_accents: Bool?
    var lowercase: Bool?
}

/// `vocab` is read separately by `JSONVocabularyReader`.
private struct RawModel: Decodable {
    var type: String?
    var unk_token: String?
    var continuing_subword_prefix: String?
    var max_input_chars_per_word: Int?
}

private struct RawAddedToken: Decodable {
    var id: Int
    var content: String
    var single_word: Bool?
    var lstrip: Bool?
    var rstrip: Bool?
    var normalized: Bool?
}

private struct RawPostProcessor: Decodable {
    struct Piece: Decodable {
        struct Ref: Decodable { var id: String }
        var SpecialToken: Ref?
        var Sequence: Ref?
    }
    struct Special: Decodable { var ids: [Int] }
    /// BertProcessing's `["[SEP]", 102]`.
    struct TokenPair: Decodable {
        var token: String
        var id: Int
        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            token = try container.decode(String.self)
            id = try container.decode(Int.self)
        }
    }
    var type: String
    var single: [Piece]?
    var special_tokens: [String: Special]?
    var cls: TokenPair?
    var sep: TokenPair?
}
