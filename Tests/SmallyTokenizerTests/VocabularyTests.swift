import SmallyTestSupport
import Testing
@testable import SmallyTokenizer

@Suite("vocabulary") struct VocabularyTests {
    static func entries(_ tokens: [String]) -> [(token: [UInt8], id: Int32)] {
        tokens.enumerated().map { (Array($0.element.utf8), Int32($0.offset)) }
    }

    func lookup(_ vocabulary: Vocabulary, _ key: String, continuation: Bool) -> Int32 {
        let bytes = Array(key.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            vocabulary.withView { $0.id(buffer.baseAddress!, buffer.count, continuation: continuation) }
        }
    }

    @Test("continuation keys share arena bytes") func continuationKeysShareArenaBytes() {
        let vocabulary = Vocabulary(entries: Self.entries(["ing", "##ing", "##", "play"]), continuingPrefix: Array("##".utf8))
        #expect(lookup(vocabulary, "ing", continuation: false) == 0)
        #expect(lookup(vocabulary, "ing", continuation: true) == 1)
        #expect(lookup(vocabulary, "##ing", continuation: false) == 1)
        #expect(lookup(vocabulary, "play", continuation: true) == -1)
        #expect(lookup(vocabulary, "pla", continuation: false) == -1)
        #expect(vocabulary.maxStartKeyLength == 5)
        #expect(vocabulary.maxContinuationKeyLength == 3)
        #expect(vocabulary.token(for: 1) == "##ing")
        #expect(vocabulary.count == 4)
    }

    @Test("many keys of all lengths round trip") func manyKeysOfAllLengthsRoundTrip() {
        var rng = SplitMix64(seed: 42)
        var seen = Set<String>()
        var tokens: [String] = []
        while tokens.count < 5000 {
            let length = 1 + Int(rng.next() % 24)
            let token = String((0..<length).map { _ in Character(Unicode.Scalar(UInt8(97 + rng.next() % 26))) })
            if seen.insert(token).inserted { tokens.append(token) }
        }
        let vocabulary = Vocabulary(entries: Self.entries(tokens), continuingPrefix: Array("##".utf8))
        for (id, token) in tokens.enumerated() {
            #expect(lookup(vocabulary, token, continuation: false) == Int32(id))
            #expect(lookup(vocabulary, token + "z", continuation: false) == (seen.contains(token + "z") ? Int32(tokens.firstIndex(of: token + "z")!) : -1))
        }
    }

    @Test("later duplicate wins") func laterDuplicateWins() {
        let vocabulary = Vocabulary(entries: [(Array("a".utf8), 0), (Array("a".utf8), 1)], continuingPrefix: Array("##".utf8))
        #expect(lookup(vocabulary, "a", continuation: false) == 1)
        #expect(vocabulary.token(for: 1) == "a")
        #expect(vocabulary.token(for: 0) == nil)
    }
}
