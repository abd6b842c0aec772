import Foundation

/// The function sentence-transformers' `CrossEncoder.predict` applies to a cross-encoder's logits.
/// Without a saved choice it is Sigmoid for one label and Identity for several; a folder saved by
/// sentence-transformers records its choice in config.json.
public enum ScoreActivation: String, Sendable, Equatable {
    case sigmoid
    case identity

    /// The score `predict` returns for one logit.
    public func apply(_ logit: Float) -> Float {
        switch self {
        case .sigmoid: SmallyEngine.sigmoid(logit)
        case .identity: logit
        }
    }

    public func apply(_ logits: [Float]) -> [Float] { logits.map(apply) }
}

/// `1 / (1 + e^-x)`, computed so that neither large positive nor large negative `x` overflows.
public func sigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + exp(-x)) }
    let e = exp(x)
    return e / (1 + e)
}
