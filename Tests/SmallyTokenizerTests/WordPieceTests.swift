import Testing
@testable import SmallyTokenizer

/// WordPiece, added tokens and truncation. Tiny-vocabulary cases use ids from `makeTokenizerJSON`:
/// [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4 hello=5 world=6 ##s=7 un=8 ##aff=9 ##able=10 a=11 ##a=12 !=13 ,=14.
@Suite("word piece") struct WordPieceTests {
    let tiny: WordPieceTokenizer

    init() throws {
        tiny = try WordPieceTokenizer(tokenizerJSON: makeTokenizerJSON())
    }

    @Test("greedy longest match first") func greedyLongestMatchFirst() {
        #expect(tiny.encode("unaffable").ids == [2, 8, 9, 10, 3])
        #expect(tiny.encode("Hellos, WORLD!").ids == [2, 5, 7, 14, 6, 13, 3])
    }

    @Test("unmatchable piece makes whole word unknown") func unmatchablePieceMakesWholeWordUnknown() {
        // "hello" matches, "##x" does not: the whole word is one [UNK], not hello + [UNK].
        #expect(tiny.encode("hellox world").ids == [2, 1, 6, 3])
        #expect(tiny.encode("xyz").ids == [2, 1, 3])
    }

    @Test("max input chars per word") func maxInputCharsPerWord() {
        let hundred = String(repeating: "a", count: 100)
        #expect(tiny.encode(hundred, maxLength: 1000).ids == [2, 11] + Array(repeating: 12, count: 99) + [3])
        #expect(tiny.encode(hundred + "a").ids == [2, 1, 3])
        // counted after normalization, in scalars: "Á" becomes "a"
        #expect(tiny.encode(String(repeating: "Á", count: 100), maxLength: 1000).count == 102)
        #expect(tiny.encode(String(repeating: "Á", count: 101)).ids == [2, 1, 3])
    }

    @Test("added tokens match raw text case sensitively") func addedTokensMatchRawTextCaseSensitively() {
        #expect(tiny.encode("hello [SEP] world").ids == [2, 5, 3, 6, 3])
        #expect(tiny.encode("hello[MASK]world").ids == [2, 5, 4, 6, 3])
        #expect(tiny.encode("[CLS]a").ids == [2, 2, 11, 3])
        // lowercase "[sep]" is ordinary text: '[' 'sep' ']' are not in the tiny vocab
        #expect(tiny.encode("[sep]").ids == [2, 1, 1, 1, 3])
    }

    @Test("empty and whitespace only") func emptyAndWhitespaceOnly() {
        #expect(tiny.encode("").ids == [2, 3])
        #expect(tiny.encode(" \t\n\u{3000}\u{200B}").ids == [2, 3])
        #expect(tiny.encode("").untruncatedCount == 2)
    }

    @Test("truncation keeps first pieces and reports full length") func truncationKeepsFirstPiecesAndReportsFullLength() {
        let text = Array(repeating: "hello", count: 10).joined(separator: " ")
        let encoding = tiny.encode(text, maxLength: 5)
        #expect(encoding.ids == [2, 5, 5, 5, 3])
        #expect(encoding.untruncatedCount == 12)
        #expect(encoding.truncated)
        let exact = tiny.encode("hello hello hello", maxLength: 5)
        #expect(exact.ids == [2, 5, 5, 5, 3])
        #expect(!exact.truncated)
        // a word split across the limit keeps only its first pieces
        #expect(tiny.encode("unaffable", maxLength: 4).ids == [2, 8, 9, 3])
        var limited = tiny
        limited.maxLength = 3
        #expect(limited.encode("hello world").ids == [2, 5, 3])
        #expect(limited.encode("hello world").untruncatedCount == 4)
    }

    @Test("max length below two still gives cls and sep") func maxLengthBelowTwoStillGivesClsAndSep() {
        let encoding = tiny.encode("hello world", maxLength: 0)
        #expect(encoding.ids == [2, 3])
        #expect(encoding.untruncatedCount == 4)
        #expect(encoding.truncated)
    }

    /// A shared tokenizer value is used from many tasks at once (it has no mutable state).
    @Test("concurrent encoding is consistent") func concurrentEncodingIsConsistent() async throws {
        let tokenizer = try SharedTokenizer.get()
        let texts = ["how to reset password", "Crème brûlée à Zürich", "我爱自然语言处理", "hello [SEP] world",
                     String(repeating: "tokenization ", count: 300), "👩🏾‍💻 e\u{301}\u{316}"]
        let expected = texts.map { tokenizer.encode($0) }
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<50).allSatisfy { _ in texts.map { tokenizer.encode($0) } == expected } }
            }
            for await consistent in group {
                #expect(consistent)
            }
        }
    }

    @Test("real model") func realModel() throws {
        let tokenizer = try SharedTokenizer.get()
        #expect(tokenizer.vocabularySize == 30522)
        #expect(tokenizer.maxLength == 256)
        #expect([tokenizer.padId, tokenizer.unknownId, tokenizer.clsId, tokenizer.sepId] == [0, 100, 101, 102])
        #expect(tokenizer.encode("how to reset password").ids == [101, 2129, 2000, 25141, 20786, 102])
        #expect(tokenizer.encode("hello [SEP] world").ids == [101, 7592, 102, 2088, 102])
        #expect(tokenizer.encode("[sep]").ids == [101, 1031, 19802, 1033, 102])
        #expect(tokenizer.encode("[CLS]x").ids == [101, 101, 1060, 102])
        #expect(tokenizer.encode("[[MASK]]").ids == [101, 1031, 103, 1033, 102])
        #expect(tokenizer.encode("unaffable").ids == [101, 14477, 20961, 3468, 102])
        #expect(tokenizer.token(for: 20961) == "##ffa")
        #expect(tokenizer.token(for: 102) == "[SEP]")
        #expect(tokenizer.token(for: 30522) == nil)
        #expect(tokenizer.token(for: -1) == nil)

        let long = tokenizer.encode(String(repeating: "hello ", count: 300))
        #expect(long.count == 256)
        #expect(long.untruncatedCount == 302)
        #expect(long.ids.first == 101 && long.ids.last == 102)
        #expect(tokenizer.encode(String(repeating: "hello ", count: 254)).truncated == false)
        #expect(tokenizer.encode(String(repeating: "hello ", count: 255)).truncated == true)
    }
}
