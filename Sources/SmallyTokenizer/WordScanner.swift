/// Receives the pre-tokenized words of a text, in order.
protocol WordSink {
    /// One normalized word as UTF-8. When `tooLong` (more than max_input_chars_per_word
    /// characters) the bytes are incomplete and the word must become [UNK].
    mutating func word(_ bytes: UnsafePointer<UInt8>, count: Int, tooLong: Bool)
    /// An added token matched in the raw text.
    mutating func addedToken(id: Int32)
}

/// Added-token splitting, normalization and pre-tokenization in one pass over the UTF-8
/// bytes, with HF's semantics:
/// - ASCII bytes go through a byte table (normalized byte, or whitespace / punctuation /
///   removed), straight into a stack word buffer: no decoding, no `Character`s, no
///   allocation.
/// - Each run of non-ASCII scalars is decoded and sent through `BertNormalizer`; its
///   output scalars are classified by `BertPreTokenizer`.
struct WordScanner: Sendable {
    let normalizer: BertNormalizer
    let preTokenizer: BertPreTokenizer
    let addedTokens: AddedTokenMatcher
    let maxInputCharsPerWord: Int
    /// Byte -> low 8 bits: the normalized ASCII byte (< 0x80) or a class code below;
    /// bit 8: an added token may start with this byte. So one load and one compare
    /// (`entry < 0x80`) take an ordinary ASCII word character.
    private let byteTable: [UInt16]

    static let whitespaceCode: UInt8 = 0x80
    static let punctuationCode: UInt8 = 0x81
    static let removedCode: UInt8 = 0x82
    static let nonASCIICode: UInt8 = 0x83
    static let addedTokenStart: UInt16 = 0x100

    init(normalizer: BertNormalizer, preTokenizer: BertPreTokenizer, addedTokens: AddedTokenMatcher,
         maxInputCharsPerWord: Int) {
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.addedTokens = addedTokens
        self.maxInputCharsPerWord = maxInputCharsPerWord
        // Derived from the same normalizer/pre-tokenizer the slow path uses, so both agree.
        var table = [UInt16](repeating: UInt16(Self.nonASCIICode), count: 256)
        for byte in 0..<128 {
            var out: [UInt32] = []
            normalizer.normalize([UInt32(byte)], into: &out)
            var code: UInt8
            if out.isEmpty {
                code = Self.removedCode
            } else {
                precondition(out.count == 1 && out[0] < 0x80, "ASCII must normalize to one ASCII byte")
                switch preTokenizer.classify(out[0]) {
                case .whitespace: code = Self.whitespaceCode
                case .punctuation: code = Self.punctuationCode
                case .word: code = UInt8(out[0])
                }
            }
            table[byte] = UInt16(code)
        }
        for byte in 0..<256 where addedTokens.mayStart(with: UInt8(byte)) {
            table[byte] |= Self.addedTokenStart
        }
        byteTable = table
    }

    func scan<Sink: WordSink>(_ text: UnsafeBufferPointer<UInt8>, into sink: inout Sink) {
        // A word longer than maxInputCharsPerWord becomes [UNK] whatever its bytes, so the
        // buffer only ever holds maxInputCharsPerWord scalars of at most 4 bytes.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxInputCharsPerWord * 4 + 4) { buffer in
            byteTable.withUnsafeBufferPointer { table in
                var word = WordBuffer(base: buffer.baseAddress!, maxChars: maxInputCharsPerWord)
                var run: [UInt32] = []         // slow path scratch, allocated only if needed
                var normalized: [UInt32] = []
                let count = text.count
                var i = 0
                while i < count {
                    let entry = table[Int(text[i])]
                    if entry < 0x80 {  // the common case: an ASCII word character
                        word.append(byte: UInt8(truncatingIfNeeded: entry))
                        i += 1
                        continue
                    }
                    if entry & Self.addedTokenStart != 0, let match = addedTokens.match(text, at: i) {
                        word.flush(into: &sink)
                        sink.addedToken(id: match.id)
                        i += match.length
                        continue
                    }
                    let code = UInt8(truncatingIfNeeded: entry)
                    if code != Self.nonASCIICode {
                        if code < 0x80 {
                            word.append(byte: code)
                        } else if code == Self.whitespaceCode {
                            word.flush(into: &sink)
                        } else if code == Self.punctuationCode {
                            word.flush(into: &sink)
                            word.append(byte: text[i])
                            word.flush(into: &sink)
                        }  // else removed
                        i += 1
                        continue
                    }

                    // Slow path: decode the run of non-ASCII scalars (and removed ASCII controls,
                    // which must not separate combining marks that NFD may reorder).
                    if run.capacity == 0 { run.reserveCapacity(min(count - i, 64)) }
                    run.removeAll(keepingCapacity: true)
                    var j = i
                    repeat {
                        let lead = text[j]
                        if lead < 0x80 {
                            j += 1  // removed control
                        } else if lead < 0xE0 {
                            run.append(UInt32(lead & 0x1F) << 6 | UInt32(text[j + 1] & 0x3F))
                            j += 2
                        } else if lead < 0xF0 {
                            run.append(UInt32(lead & 0x0F) << 12 | UInt32(text[j + 1] & 0x3F) << 6
                                | UInt32(text[j + 2] & 0x3F))
                            j += 3
                        } else {
                            run.append(UInt32(lead & 0x07) << 18 | UInt32(text[j + 1] & 0x3F) << 12
                                | UInt32(text[j + 2] & 0x3F) << 6 | UInt32(text[j + 3] & 0x3F))
                            j += 4
                        }
                    } while j < count && continuesRun(text, at: j, table: table)
                    if normalized.capacity == 0 { normalized.reserveCapacity(2 * run.count + 16) }
                    normalized.removeAll(keepingCapacity: true)
                    normalizer.normalize(run[...], into: &normalized)
                    for scalar in normalized {
                        switch preTokenizer.classify(scalar) {
                        case .word:
                            word.append(scalar: scalar)
                        case .whitespace:
                            word.flush(into: &sink)
                        case .punctuation:
                            word.flush(into: &sink)
                            word.append(scalar: scalar)
                            word.flush(into: &sink)
                        }
                    }
                    i = j
                }
                word.flush(into: &sink)
            }
        }
    }

    @inline(__always)
    private func continuesRun(_ text: UnsafeBufferPointer<UInt8>, at j: Int, table: UnsafeBufferPointer<UInt16>) -> Bool {
        let entry = table[Int(text[j])]
        let code = UInt8(truncatingIfNeeded: entry)
        guard code == Self.nonASCIICode || code == Self.removedCode else { return false }
        return entry & Self.addedTokenStart == 0 || addedTokens.match(text, at: j) == nil
    }
}

/// The word being built, in the scanner's stack buffer.
private struct WordBuffer {
    let base: UnsafeMutablePointer<UInt8>
    let maxChars: Int
    var length = 0  // bytes stored
    var chars = 0   // scalars seen (may exceed maxChars; then only maxChars are stored)

    init(base: UnsafeMutablePointer<UInt8>, maxChars: Int) {
        self.base = base
        self.maxChars = maxChars
    }

    @inline(__always)
    mutating func append(byte: UInt8) {
        if chars < maxChars {
            base[length] = byte
            length += 1
        }
        chars += 1
    }

    @inline(__always)
    mutating func append(scalar: UInt32) {
        if chars < maxChars {
            if scalar < 0x80 {
                base[length] = UInt8(scalar)
                length += 1
            } else if scalar < 0x800 {
                base[length] = UInt8(0xC0 | scalar >> 6)
                base[length + 1] = UInt8(0x80 | scalar & 0x3F)
                length += 2
            } else if scalar < 0x10000 {
                base[length] = UInt8(0xE0 | scalar >> 12)
                base[length + 1] = UInt8(0x80 | scalar >> 6 & 0x3F)
                base[length + 2] = UInt8(0x80 | scalar & 0x3F)
                length += 3
            } else {
                base[length] = UInt8(0xF0 | scalar >> 18)
                base[length + 1] = UInt8(0x80 | scalar >> 12 & 0x3F)
                base[length + 2] = UInt8(0x80 | scalar >> 6 & 0x3F)
                base[length + 3] = UInt8(0x80 | scalar & 0x3F)
                length += 4
            }
        }
        chars += 1
    }

    @inline(__always)
    mutating func flush<Sink: WordSink>(into sink: inout Sink) {
        guard chars > 0 else { return }
        sink.word(base, count: length, tooLong: chars > maxChars)
        length = 0
        chars = 0
    }
}
