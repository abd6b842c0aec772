import Testing
@testable import SmallyTokenizer

/// Expected strings are HF `BertNormalizer.normalize_str` outputs (tokenizers 0.23).
@Suite("bert normalizer") struct BertNormalizerTests {
    static let bert = BertNormalizer(options: .init(cleanText: true, handleChineseChars: true,
                                                    stripAccents: true, lowercase: true))

    @Test("default options", arguments: [
        ("Héllo WORLD", "hello world"),
        // clean_text: NUL, U+FFFD, Cf (ZWSP, soft hyphen) removed
        ("a\u{200B}b\u{AD}c\u{0}d\u{FFFD}e", "abcde"),
        // whitespace -> ' ', but \v is a control (removed) before it is whitespace
        ("a\tb\nc\u{3000}d\u{A0}e\u{0B}f", "a b c d ef"),
        ("中文字", " 中  文  字 "),
        // NFD splits U+0130 into I + U+0307, the dot is stripped, then lowercased
        ("İstanbul", "istanbul"),
        // per-character lowercase: no final-sigma rule
        ("ΣΑΣ", "σασ"),
        ("a\u{301}\u{316}\u{300}b", "ab"),
        // canonical reordering of surviving spacing marks (classes 226 and 216)
        ("e\u{1D16D}\u{301}\u{1D165}", "e\u{1D165}\u{1D16D}"),
        // unassigned code points are kept (HF's `is_other` does not include Cn); private use is removed
        ("\u{378}x\u{E000}y", "\u{378}xy"),
        // U+1FEF decomposes to '`', Kelvin sign to 'K'
        ("\u{1FEF}\u{212A}", "`k"),
        // Hangul syllables decompose to jamo
        ("한국", "\u{1112}\u{1161}\u{11AB}\u{1100}\u{116E}\u{11A8}"),
        // U+180E is a format character in HF's tables, not whitespace
        ("a\u{180E}b", "ab"),
        ("", ""),
    ])
    func defaultOptions(input: String, expected: String) {
        #expect(Self.bert.normalize(input).unicodeScalars.elementsEqual(expected.unicodeScalars))
    }

    static let mixed = "H\u{E9}llo\u{1} \u{4E2D}\u{6587} A\u{300}\u{200B}\u{130}"

    @Test("option combinations", arguments: [
        (BertNormalizer.Options(cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true),
         "hello  \u{4E2D}  \u{6587}  ai"),
        (.init(cleanText: false, handleChineseChars: true, stripAccents: true, lowercase: true),
         "hello\u{1}  \u{4E2D}  \u{6587}  a\u{200B}i"),
        (.init(cleanText: true, handleChineseChars: false, stripAccents: true, lowercase: true),
         "hello \u{4E2D}\u{6587} ai"),
        // no NFD: U+0130 lowercases to "i\u{307}" (Rust's full lowercase mapping)
        (.init(cleanText: true, handleChineseChars: true, stripAccents: false, lowercase: true),
         "h\u{E9}llo  \u{4E2D}  \u{6587}  a\u{300}i\u{307}"),
        (.init(cleanText: true, handleChineseChars: true, stripAccents: false, lowercase: false),
         "H\u{E9}llo  \u{4E2D}  \u{6587}  A\u{300}\u{130}"),
        (.init(cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: false),
         "Hello  \u{4E2D}  \u{6587}  AI"),
    ])
    func optionCombinations(options: BertNormalizer.Options, expected: String) {
        let normalized = BertNormalizer(options: options).normalize(Self.mixed)
        #expect(normalized.unicodeScalars.elementsEqual(expected.unicodeScalars),
                "\(normalized.unicodeScalars.map { String($0.value, radix: 16) })")
    }

    /// The generated tables answer, not Swift's newer Unicode data.
    @Test("tables follow hugging face not swift") func tablesFollowHuggingFaceNotSwift() {
        let properties = UnicodeProperties.shared
        // U+061D ARABIC END OF TEXT MARK is Po in current Unicode but not punctuation in HF's table.
        #expect(!properties.flags(0x061D).contains(.punctuation))
        #expect(Unicode.Scalar(0x061D)!.properties.generalCategory == .otherPunctuation)
        // U+0897 (Unicode 16 Mn) is unassigned for HF: kept, not stripped.
        #expect(!properties.flags(0x0897).contains(.nonspacingMark))
        #expect(!properties.flags(0x0897).contains(.removed))
        // Lowercase follows Rust std (Unicode 16): U+A7CB -> U+0264.
        #expect(UnicodeProperties.singleScalarLowercase(of: 0xA7CB) == 0x0264)
        #expect(properties.flags(0x3000).contains(.whitespace))
        #expect(properties.flags(0x2F800).contains(.chinese))
    }
}
