import Foundation
import SmallyTestSupport
import Testing
@testable import SmallyTokenizer

/// Encodings must equal Hugging Face `tokenizers` / sentence-transformers exactly.
@Suite("golden case") struct GoldenCaseTests {
    /// 62 cases recorded from sentence-transformers (all-MiniLM-L6-v2, max_seq_length 256).
    @Test("public cases") func publicCases() throws {
        let tokenizer = try SharedTokenizer.get()
        let cases = try GoldenCase.load("public_cases.json", casesKey: false)
        #expect(cases.count == 62)
        for golden in cases {
            check(tokenizer, golden)
        }
    }

    /// ~500 diverse texts from scripts/dev/gen_tokenizer_cases.py (HF `tokenizers`, truncation 256).
    @Test("generated cases") func generatedCases() throws {
        let tokenizer = try SharedTokenizer.get()
        let cases = try GoldenCase.load("tokenizer_cases.json", casesKey: true)
        #expect(cases.count >= 400)
        #expect(cases.contains { $0.truncated })
        for golden in cases {
            check(tokenizer, golden)
        }
    }

    private func check(_ tokenizer: WordPieceTokenizer, _ golden: GoldenCase) {
        let encoding = tokenizer.encode(golden.text)
        #expect(encoding.ids == golden.token_ids, "\(golden.id) [\(golden.category)] \(golden.text.debugDescription.prefix(80))")
        #expect(encoding.untruncatedCount == golden.num_tokens_untruncated, "\(golden.id)")
        #expect(encoding.truncated == golden.truncated, "\(golden.id)")
        #expect(encoding.count == golden.token_ids.count, "\(golden.id)")
    }
}
