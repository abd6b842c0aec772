/// Which end of a too-long text is cut off (HF tokenizers' `truncation_side`): `right` keeps the
/// first tokens, `left` the last ones. [CLS] and [SEP] are kept either way.
public enum TruncationDirection: String, Sendable {
    case right
    case left
}
