/// Hugging Face's `BertPreTokenizer`: split the normalized text on whitespace (dropped) and
/// make every punctuation character (ASCII punctuation or HF's Unicode P*) its own word.
struct BertPreTokenizer: Sendable {
    enum ScalarClass {
        case word, whitespace, punctuation
    }

    let properties: UnicodeProperties

    init(properties: UnicodeProperties = .shared) {
        self.properties = properties
    }

    @inline(__always)
    func classify(_ scalar: UInt32) -> ScalarClass {
        let flags = properties.flags(scalar)
        if flags.contains(.whitespace) { return .whitespace }
        if flags.contains(.punctuation) { return .punctuation }
        return .word
    }

    /// Words of an already normalized text, equal to HF's `pre_tokenize_str` (tests, diagnostics).
    func split(_ normalized: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { words.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        for scalar in normalized.unicodeScalars {
            switch classify(scalar.value) {
            case .whitespace:
                flush()
            case .punctuation:
                flush()
                words.append(String(scalar))
            case .word:
                current.append(scalar)
            }
        }
        flush()
        return words
    }
}
