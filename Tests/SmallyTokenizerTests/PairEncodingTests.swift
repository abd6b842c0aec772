import Foundation
import SmallyTestSupport
import Testing
@testable import SmallyTokenizer

/// Sentence pairs (cross-encoders) and left truncation against HF tokenizers, on the fixture models'
/// tokenizers (scripts/dev/make_fixture_models.py).
@Suite("pairs and truncation sides")
struct PairEncodingTests {
    func tokenizer(_ fixture: FixtureModel) throws -> WordPieceTokenizer {
        try WordPieceTokenizer(contentsOf: fixture.directory.appendingPathComponent("tokenizer.json"))
    }

    @Test("pairs: ids, segment ids and longest_first truncation", arguments: FixtureModel.crossEncoders)
    func pairs(_ fixture: FixtureModel) throws {
        let tokenizer = try tokenizer(fixture)
        let expected = try fixture.crossEncoderExpectations()
        #expect(expected.pair_truncation.count >= 80)
        for golden in expected.pair_truncation {
            let encoding = tokenizer.encodePair(golden.first, golden.second, maxLength: golden.max_length)
            let label = "\(golden.max_length): \(golden.first.debugDescription) / \(golden.second.debugDescription)"
            #expect(encoding.ids == golden.token_ids, "\(label)")
            #expect(encoding.typeIDs == golden.type_ids, "\(label)")
            #expect(encoding.count == encoding.typeIDs.count)
        }
    }

    @Test("pair lengths: the longer part loses first, then half the room each")
    func longestFirst() {
        #expect(WordPieceTokenizer.longestFirst(3, 4, room: 10) == (3, 4))
        #expect(WordPieceTokenizer.longestFirst(1, 100, room: 10) == (1, 9))
        #expect(WordPieceTokenizer.longestFirst(100, 2, room: 10) == (8, 2))
        #expect(WordPieceTokenizer.longestFirst(50, 40, room: 11) == (6, 5))
        #expect(WordPieceTokenizer.longestFirst(40, 40, room: 11) == (5, 6))
        #expect(WordPieceTokenizer.longestFirst(40, 40, room: 0) == (0, 0))
    }

    @Test("a single text: segment ids stay empty (all 0) and untruncatedCount counts every piece")
    func single() throws {
        let tokenizer = try tokenizer(FixtureModel.crossEncoders[0])
        let encoding = tokenizer.encode("hello world hello world", maxLength: 4, direction: .left)
        #expect(encoding.typeIDs.isEmpty)
        #expect(encoding.count == 4)
        #expect(encoding.untruncatedCount == 6)
        #expect(encoding.ids == [tokenizer.clsId] + tokenizer.encode("hello world").ids.dropFirst())
        #expect(tokenizer.encode("hello world", maxLength: 8, direction: .left) == tokenizer.encode("hello world", maxLength: 8))
    }
}
