/// How token vectors become one sentence vector (sentence-transformers' `Pooling` module,
/// `1_Pooling/config.json`). Raw values are sentence-transformers' `pooling_mode` names.
public enum PoolingMode: String, Sendable, CaseIterable {
    case mean
    case cls
    case max
    /// The sum divided by √(token count).
    case meanSqrtLengthTokens = "mean_sqrt_len_tokens"
    /// The last token's vector (for decoder-style models; on BERT that is [SEP]).
    case lastToken = "lasttoken"

    /// Pools `length` rows of `width` floats at `rows` into `out`, leaving rows before `start` out as
    /// sentence-transformers 6 does with the attention mask zeroed there: CLS then takes the first row
    /// left in. With every row left out: row 0 for CLS, zeros for mean/mean-sqrt/last token, -∞ for max.
    func pool(_ rows: UnsafePointer<Float>, length: Int, width h: Int, start: Int, into out: UnsafeMutablePointer<Float>) {
        let first = Swift.min(Swift.max(start, 0), length)
        switch self {
        case .cls:
            let row = rows + (first < length ? first : 0) * h
            for i in 0..<h { out[i] = row[i] }
        case .mean, .meanSqrtLengthTokens:
            for i in 0..<h { out[i] = 0 }
            for r in first..<length {
                let row = rows + r * h
                for i in 0..<h { out[i] += row[i] }
            }
            // Divide (not multiply by a reciprocal) to round as sentence-transformers does; its
            // divisor is clamped to 1e-9, so no rows give zeros.
            let count = Swift.max(Float(length - first), 1e-9)
            let divisor = self == .mean ? count : count.squareRoot()
            for i in 0..<h { out[i] /= divisor }
        case .max:
            for i in 0..<h { out[i] = -.infinity }
            for r in first..<length {
                let row = rows + r * h
                for i in 0..<h { out[i] = Swift.max(out[i], row[i]) }
            }
        case .lastToken:
            let row = rows + (length - 1) * h
            for i in 0..<h { out[i] = first < length ? row[i] : 0 }
        }
    }
}
