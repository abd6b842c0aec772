/// Hugging Face's `BertNormalizer`, applied in HF's order:
/// clean_text -> handle_chinese_chars -> strip_accents (NFD, drop Mn) -> lowercase.
///
/// Character facts come from `UnicodeProperties` (HF's exact tables). The tokenizer's
/// hot path handles ASCII itself (see `WordScanner`) and only sends runs of non-ASCII
/// scalars here. That is equivalent to HF's whole-string pass because every step is
/// per-scalar except NFD's canonical reordering, which only permutes adjacent non-starters
/// (never ASCII, which has combining class 0) - removed ASCII controls excepted, which the
/// scanner therefore keeps inside a run.
struct BertNormalizer: Sendable {
    struct Options: Sendable, Equatable {
        var cleanText: Bool
        var handleChineseChars: Bool
        var stripAccents: Bool
        var lowercase: Bool
    }

    let options: Options
    let properties: UnicodeProperties

    init(options: Options, properties: UnicodeProperties = .shared) {
        self.options = options
        self.properties = properties
    }

    /// Normalizes one run of scalars, appending the result to `out`.
    func normalize(_ input: ArraySlice<UInt32>, into out: inout [UInt32]) {
        let start = out.count
        var needsReordering = false
        for scalar in input {
            let flags = properties.flags(scalar)
            if options.cleanText {
                if flags.contains(.removed) { continue }
                if flags.contains(.whitespace) {
                    out.append(0x20)
                    continue
                }
            }
            let isolate = options.handleChineseChars && flags.contains(.chinese)
            if isolate { out.append(0x20) }
            if options.stripAccents && flags.contains(.decomposes) {
                let first = out.count
                UnicodeProperties.appendDecomposition(of: scalar, to: &out)
                for i in first..<out.count where properties.flags(out[i]).contains(.nonStarter) {
                    needsReordering = true
                }
            } else {
                out.append(scalar)
                if flags.contains(.nonStarter) { needsReordering = true }
            }
            if isolate { out.append(0x20) }
        }

        if options.stripAccents {
            if needsReordering { canonicallyOrder(&out, from: start) }
            var kept = start
            for i in start..<out.count where !properties.flags(out[i]).contains(.nonspacingMark) {
                out[kept] = out[i]
                kept += 1
            }
            out.removeLast(out.count - kept)
        }

        if options.lowercase {
            var i = start
            while i < out.count {
                let scalar = out[i]
                if properties.flags(scalar).contains(.lowercases) {
                    if let lower = UnicodeProperties.singleScalarLowercase(of: scalar) {
                        out[i] = lower
                    } else {
                        // U+0130 -> "i\u{307}" (only reached without strip_accents: NFD splits it first).
                        let lower = UnicodeProperties.multiScalarLowercase(of: scalar)
                        out.replaceSubrange(i...i, with: lower)
                        i += lower.count - 1
                    }
                }
                i += 1
            }
        }
    }

    /// Whole-string normalization, equal to HF's `normalizer.normalize_str` (tests, diagnostics).
    func normalize(_ text: String) -> String {
        var out: [UInt32] = []
        normalize(ArraySlice(text.unicodeScalars.map(\.value)), into: &out)
        var result = String.UnicodeScalarView()
        result.append(contentsOf: out.map { Unicode.Scalar($0)! })
        return String(result)
    }

    /// NFD canonical ordering: stable sort of each run of non-starters by combining class.
    private func canonicallyOrder(_ scalars: inout [UInt32], from start: Int) {
        var i = start
        while i < scalars.count {
            guard properties.flags(scalars[i]).contains(.nonStarter) else {
                i += 1
                continue
            }
            var end = i + 1
            while end < scalars.count && properties.flags(scalars[end]).contains(.nonStarter) { end += 1 }
            if end - i > 1 {
                for j in (i + 1)..<end {  // insertion sort: stable, runs are tiny
                    let scalar = scalars[j]
                    let ccc = UnicodeProperties.combiningClass(of: scalar)
                    var k = j
                    while k > i && UnicodeProperties.combiningClass(of: scalars[k - 1]) > ccc {
                        scalars[k] = scalars[k - 1]
                        k -= 1
                    }
                    scalars[k] = scalar
                }
            }
            i = end
        }
    }
}
