import SmallyTestSupport
import Testing
@testable import SmallyTokenizer

/// Expected splits are HF `BertPreTokenizer.pre_tokenize_str` outputs.
@Suite("bert pre tokenizer") struct BertPreTokenizerTests {
    let preTokenizer = BertPreTokenizer()

    @Test("splits", arguments: [
        ("hello, world!", ["hello", ",", "world", "!"]),
        ("a.b-c", ["a", ".", "b", "-", "c"]),
        ("don't", ["don", "'", "t"]),
        ("x¿y¡z", ["x", "¿", "y", "¡", "z"]),
        // ASCII symbols count as punctuation (Rust's is_ascii_punctuation)
        ("$5+3=8", ["$", "5", "+", "3", "=", "8"]),
        // punctuation added after HF's Unicode tables (U+2E43, U+061D) is not split
        ("a\u{2E43}b\u{61D}c", ["a\u{2E43}b\u{61D}c"]),
        // symbols (So) are not punctuation
        ("©x°", ["©x°"]),
        ("a\u{3000}b\u{2028}c  d", ["a", "b", "c", "d"]),
        ("   ", []),
        ("", []),
    ])
    func splits(input: String, expected: [String]) {
        #expect(preTokenizer.split(input) == expected)
    }

    /// The tokenizer's fused single-pass scanner must agree with normalize-then-split.
    @Test("fused scanner matches staged pipeline") func fusedScannerMatchesStagedPipeline() throws {
        let tokenizer = try SharedTokenizer.get()
        var rng = SplitMix64(seed: 7)
        let pieces: [String] = ["a", "B", "z", " ", "  ", ".", ",", "'", "[", "]", "é", "E\u{301}", "\u{316}", "\u{1}",
                                "\u{200B}", "中", "日本", "한", "İ", "Σ", "\u{3000}", "\u{A0}", "😀", "👩🏾‍💻", "\u{1D165}",
                                "\u{1D16D}", "ﬁ", "ｘ", "\u{378}", "\u{E000}", "\t", "\u{2028}", "¿", "\u{1FEF}", "0"]
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<Int(rng.next() % 12) { text += pieces[Int(rng.next() % UInt64(pieces.count))] }
            let staged = tokenizer.preTokenize(tokenizer.normalize(text))
            #expect(tokenizer.words(text) == staged, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }
}
