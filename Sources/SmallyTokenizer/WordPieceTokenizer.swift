import Foundation

/// BERT WordPiece tokenizer driven by a Hugging Face `tokenizer.json`, producing the same
/// ids as HF `tokenizers` (BertNormalizer + BertPreTokenizer + WordPiece + [CLS] A [SEP]),
/// truncated like sentence-transformers (first `maxLength - 2` pieces, then [CLS]/[SEP]).
public struct WordPieceTokenizer: Sendable {
    /// Maximum ids per encoding, including [CLS] and [SEP]. Default 256: sentence-transformers'
    /// `max_seq_length`, which overrides the `truncation` section of tokenizer.json.
    public var maxLength: Int = 256
    public let padId: Int32
    public let unknownId: Int32
    public let clsId: Int32
    public let sepId: Int32

    let vocabulary: Vocabulary
    let scanner: WordScanner

    public var vocabularySize: Int { vocabulary.count }

    public init(contentsOf tokenizerJSON: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: tokenizerJSON)
        } catch {
            throw TokenizerError(file: tokenizerJSON.path, message: "cannot read file (\(error.localizedDescription))")
        }
        try self.init(tokenizerJSON: [UInt8](data), source: tokenizerJSON.path)
    }

    public init(tokenizerJSON: [UInt8], source: String = "tokenizer.json") throws {
        let configuration = try TokenizerConfiguration(json: tokenizerJSON, source: source)
        let vocabulary = Vocabulary(
            entries: configuration.vocabulary,
            extraTokens: configuration.addedTokens.map { (Array($0.content.utf8), $0.id) },
            continuingPrefix: Array(configuration.continuingSubwordPrefix.utf8))
        guard let unknownId = vocabulary.id(of: Array(configuration.unknownToken.utf8)) else {
            throw TokenizerError(file: source,
                                 message: "model.unk_token \"\(configuration.unknownToken)\" is not in model.vocab")
        }
        let padId = configuration.padId
            ?? configuration.addedTokens.first { $0.content == "[PAD]" }?.id
            ?? vocabulary.id(of: Array("[PAD]".utf8))
        guard let padId else {
            throw TokenizerError(file: source, message: "no padding token (padding.pad_id or \"[PAD]\")")
        }
        self.vocabulary = vocabulary
        self.unknownId = unknownId
        self.padId = padId
        self.clsId = configuration.clsId
        self.sepId = configuration.sepId
        let properties = UnicodeProperties.shared
        self.scanner = WordScanner(
            normalizer: BertNormalizer(options: configuration.normalizer, properties: properties),
            preTokenizer: BertPreTokenizer(properties: properties),
            addedTokens: AddedTokenMatcher(configuration.addedTokens),
            maxInputCharsPerWord: configuration.maxInputCharsPerWord)
    }

    /// Ids of `text` with [CLS]/[SEP], truncated to `maxLength`.
    public func encode(_ text: String) -> TokenEncoding {
        encode(text, maxLength: maxLength)
    }

    /// Ids of `text` with [CLS]/[SEP], keeping at most `maxLength` ids (values below 2 act as 2).
    public func encode(_ text: String, maxLength: Int) -> TokenEncoding {
        let limit = max(maxLength, 2) - 1  // ids before [SEP]: [CLS] + pieces
        var text = text
        return text.withUTF8 { bytes in
            vocabulary.withView { view in
                var encoder = WordPieceEncoder(vocabulary: view, unknownId: unknownId, limit: limit,
                                               capacity: min(limit + 1, bytes.count + 2))
                encoder.ids.append(clsId)
                scanner.scan(bytes, into: &encoder)
                encoder.ids.append(sepId)
                return TokenEncoding(ids: encoder.ids, untruncatedCount: encoder.total + 2)
            }
        }
    }

    /// Ids of `text` with [CLS]/[SEP], keeping at most `maxLength` ids and cutting `direction`'s end
    /// (`left` keeps the last pieces, like HF tokenizers' truncation_side "left").
    public func encode(_ text: String, maxLength: Int, direction: TruncationDirection) -> TokenEncoding {
        guard direction == .left else { return encode(text, maxLength: maxLength) }
        let pieces = self.pieces(text)
        let kept = pieces.suffix(max(maxLength, 2) - 2)
        return TokenEncoding(ids: [clsId] + kept + [sepId], untruncatedCount: pieces.count + 2)
    }

    /// `[CLS] first [SEP] second [SEP]` with segment ids 0 then 1 (the first [SEP] in segment 0), at most
    /// `maxLength` ids, truncated with HF tokenizers' `longest_first` strategy from the right (what
    /// sentence-transformers' CrossEncoder asks for): the longer text loses pieces first; when
    /// both are too long each keeps half the room (an odd one goes to the longer, the second when equal).
    public func encodePair(_ first: String, _ second: String, maxLength: Int) -> TokenEncoding {
        let a = pieces(first), b = pieces(second)
        let room = max(maxLength - 3, 0)
        var (n1, n2) = Self.longestFirst(a.count, b.count, room: room)
        n1 = min(n1, a.count)
        n2 = min(n2, b.count)
        var ids: [Int32] = []
        ids.reserveCapacity(n1 + n2 + 3)
        ids.append(clsId)
        ids.append(contentsOf: a.prefix(n1))
        ids.append(sepId)
        ids.append(contentsOf: b.prefix(n2))
        ids.append(sepId)
        let typeIDs = [Int32](repeating: 0, count: n1 + 2) + [Int32](repeating: 1, count: n2 + 1)
        return TokenEncoding(ids: ids, untruncatedCount: a.count + b.count + 3, typeIDs: typeIDs)
    }

    /// Lengths the two parts keep under `longest_first` (tokenizers' `truncate_encodings`, whose
    /// `room` is max_length minus the added special tokens).
    static func longestFirst(_ first: Int, _ second: Int, room: Int) -> (Int, Int) {
        guard first + second > room else { return (first, second) }
        let swap = first > second
        var n1 = swap ? second : first
        var n2: Int
        n2 = n1 > room ? n1 : max(n1, room - n1)
        if n1 + n2 > room {
            n1 = room / 2
            n2 = n1 + room % 2
        }
        return swap ? (n2, n1) : (n1, n2)
    }

    /// Every word piece of `text`, without [CLS]/[SEP].
    private func pieces(_ text: String) -> [Int32] {
        var text = text
        return text.withUTF8 { bytes in
            vocabulary.withView { view in
                var encoder = WordPieceEncoder(vocabulary: view, unknownId: unknownId, limit: .max,
                                               capacity: bytes.count)
                scanner.scan(bytes, into: &encoder)
                return encoder.ids
            }
        }
    }

    /// The vocabulary entry for `id`, e.g. "##ing" or "[CLS]".
    public func token(for id: Int32) -> String? {
        vocabulary.token(for: id)
    }

    // MARK: Pipeline stages, for tests and diagnostics

    /// HF `normalizer.normalize_str` (no added-token splitting).
    func normalize(_ text: String) -> String {
        scanner.normalizer.normalize(text)
    }

    /// HF `pre_tokenizer.pre_tokenize_str` of an already normalized text.
    func preTokenize(_ normalized: String) -> [String] {
        scanner.preTokenizer.split(normalized)
    }

    /// Words as the encoder sees them (added tokens included as their text), through the fast path.
    func words(_ text: String) -> [String] {
        struct Collector: WordSink {
            let vocabulary: Vocabulary
            var words: [String] = []
            mutating func word(_ bytes: UnsafePointer<UInt8>, count: Int, tooLong: Bool) {
                words.append(String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
                    + (tooLong ? "…" : ""))
            }
            mutating func addedToken(id: Int32) {
                words.append(vocabulary.token(for: id) ?? "?")
            }
        }
        var collector = Collector(vocabulary: vocabulary)
        var text = text
        text.withUTF8 { scanner.scan($0, into: &collector) }
        return collector.words
    }
}
