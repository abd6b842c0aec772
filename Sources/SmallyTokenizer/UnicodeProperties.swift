/// Per-scalar facts the BERT normalizer and pre-tokenizer need, answered from the generated
/// `UnicodeTables` (HF's behaviour), never from Swift's own Unicode data, whose version differs.
///
/// `flags(_:)` is a two-stage lookup (256-scalar blocks, identical blocks shared) built once
/// from the range tables, so the slow path costs one table read per scalar; the rarer
/// decomposition / combining-class / lowercase details use binary search on the tables.
struct UnicodeProperties: Sendable {
    struct Flags: OptionSet, Sendable {
        let rawValue: UInt8
        static let removed = Flags(rawValue: 1 << 0)         // dropped by clean_text
        static let whitespace = Flags(rawValue: 1 << 1)      // Rust char::is_whitespace
        static let chinese = Flags(rawValue: 1 << 2)         // isolated by handle_chinese_chars
        static let decomposes = Flags(rawValue: 1 << 3)      // NFD changes it
        static let nonStarter = Flags(rawValue: 1 << 4)      // canonical combining class != 0
        static let nonspacingMark = Flags(rawValue: 1 << 5)  // dropped by strip_accents (after NFD)
        static let lowercases = Flags(rawValue: 1 << 6)      // to_lowercase changes it
        static let punctuation = Flags(rawValue: 1 << 7)     // split off by BertPreTokenizer
    }

    /// Shared, immutable; built on first use (a few milliseconds).
    static let shared = UnicodeProperties()

    private let blockIndex: [UInt16]  // scalar >> 8 -> block number
    private let blocks: [UInt8]       // block number << 8 | scalar & 0xFF -> Flags

    private init() {
        var flat = [UInt8](repeating: 0, count: 0x110000)
        func set(_ ranges: [UInt32], _ flag: Flags) {
            for i in stride(from: 0, to: ranges.count, by: 2) {
                for scalar in ranges[i]...ranges[i + 1] { flat[Int(scalar)] |= flag.rawValue }
            }
        }
        set(UnicodeTables.removedRanges, .removed)
        set(UnicodeTables.whitespaceRanges, .whitespace)
        set(UnicodeTables.chineseRanges, .chinese)
        set(UnicodeTables.nonspacingMarkRanges, .nonspacingMark)
        set(UnicodeTables.punctuationRanges, .punctuation)
        set([Self.hangulFirst, Self.hangulLast], .decomposes)
        for key in UnicodeTables.decompositionKeys { flat[Int(key)] |= Flags.decomposes.rawValue }
        let ccc = UnicodeTables.combiningClassRanges
        for i in stride(from: 0, to: ccc.count, by: 3) {
            for scalar in ccc[i]...ccc[i + 1] { flat[Int(scalar)] |= Flags.nonStarter.rawValue }
        }
        let runs = UnicodeTables.lowercaseRuns
        for i in stride(from: 0, to: runs.count, by: 4) {
            for k in 0..<Int(runs[i + 1]) {
                flat[Int(runs[i]) + k * Int(runs[i + 2])] |= Flags.lowercases.rawValue
            }
        }
        for key in UnicodeTables.lowercaseMultiKeys { flat[Int(key)] |= Flags.lowercases.rawValue }

        var blockIndex = [UInt16](repeating: 0, count: 0x1100)
        var blocks: [UInt8] = []
        var seen: [ArraySlice<UInt8>: UInt16] = [:]
        for block in 0..<0x1100 {
            let content = flat[block << 8 ..< (block + 1) << 8]
            if let number = seen[content] {
                blockIndex[block] = number
            } else {
                let number = UInt16(blocks.count >> 8)
                seen[content] = number
                blocks.append(contentsOf: content)
                blockIndex[block] = number
            }
        }
        self.blockIndex = blockIndex
        self.blocks = blocks
    }

    @inline(__always)
    func flags(_ scalar: UInt32) -> Flags {
        let block = Int(blockIndex[Int(scalar >> 8)])
        return Flags(rawValue: blocks[block << 8 | Int(scalar & 0xFF)])
    }

    // MARK: Details for scalars whose flags say so

    static let hangulFirst: UInt32 = 0xAC00
    static let hangulLast: UInt32 = 0xD7A3

    /// Appends the full canonical decomposition (HF's NFD table) of a `.decomposes` scalar.
    static func appendDecomposition(of scalar: UInt32, to out: inout [UInt32]) {
        if scalar >= hangulFirst && scalar <= hangulLast {
            let s = scalar - hangulFirst
            out.append(0x1100 + s / 588)
            out.append(0x1161 + (s % 588) / 28)
            if s % 28 != 0 { out.append(0x11A7 + s % 28) }
            return
        }
        let keys = UnicodeTables.decompositionKeys
        guard let index = lowerBound(keys, scalar), keys[index] == scalar else {
            out.append(scalar)
            return
        }
        let offsets = UnicodeTables.decompositionOffsets
        out.append(contentsOf: UnicodeTables.decompositionScalars[Int(offsets[index])..<Int(offsets[index + 1])])
    }

    /// Canonical combining class of a `.nonStarter` scalar (0 otherwise).
    static func combiningClass(of scalar: UInt32) -> UInt8 {
        let table = UnicodeTables.combiningClassRanges
        var low = 0, high = table.count / 3  // find last range with first <= scalar
        while low < high {
            let mid = (low + high) / 2
            if table[mid * 3] <= scalar { low = mid + 1 } else { high = mid }
        }
        guard low > 0, scalar <= table[(low - 1) * 3 + 1] else { return 0 }
        return UInt8(table[(low - 1) * 3 + 2])
    }

    /// Rust's `char::to_lowercase` of a `.lowercases` scalar when it is a single scalar.
    static func singleScalarLowercase(of scalar: UInt32) -> UInt32? {
        let runs = UnicodeTables.lowercaseRuns
        var low = 0, high = runs.count / 4  // last run with first <= scalar
        while low < high {
            let mid = (low + high) / 2
            if UInt32(runs[mid * 4]) <= scalar { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return nil }
        let run = (low - 1) * 4
        let distance = Int(scalar) - Int(runs[run])
        let stride = Int(runs[run + 2])
        guard distance % stride == 0, distance / stride < Int(runs[run + 1]) else { return nil }
        return UInt32(Int(scalar) + Int(runs[run + 3]))
    }

    /// Rust's `char::to_lowercase` of a scalar with a multi-scalar lowercase ("İ" -> "i\u{307}").
    static func multiScalarLowercase(of scalar: UInt32) -> ArraySlice<UInt32> {
        let keys = UnicodeTables.lowercaseMultiKeys
        guard let index = lowerBound(keys, scalar), keys[index] == scalar else { return [scalar] }
        let offsets = UnicodeTables.lowercaseMultiOffsets
        return UnicodeTables.lowercaseMultiScalars[Int(offsets[index])..<Int(offsets[index + 1])]
    }

    /// Index of the first element >= value, nil if none.
    private static func lowerBound(_ sorted: [UInt32], _ value: UInt32) -> Int? {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count ? low : nil
    }
}
