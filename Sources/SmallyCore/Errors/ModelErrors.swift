/// A request named a model this process does not serve (or none, and none serves its purpose).
public struct ModelNotFound: Sendable, Equatable {
    /// What the client asked for; nil when it named none.
    public var requested: String?
    /// `embedding` or `rerank`.
    public var purpose: String
    /// The models that would have served it.
    public var available: [String]

    public var message: String {
        let served = available.isEmpty ? "this server serves no \(purpose) model" : "\(purpose) models served here: \(available.joined(separator: ", "))"
        guard let requested else { return "No model given and \(served)." }
        return "The model '\(requested.prefix(100))' does not exist; \(served)."
    }
}

/// A request named a prompt the model does not define.
public struct UnknownPrompt: Sendable, Equatable {
    public var model: String
    public var requested: String
    public var available: [String]

    public var message: String {
        let list = available.isEmpty ? "it defines no prompts" : "its prompts are: \(available.joined(separator: ", "))"
        return "Model '\(model)' has no prompt named '\(requested.prefix(100))'; \(list)."
    }
}

/// A text longer than the model's limit, with truncation turned off.
public struct InputTooLong: Sendable, Equatable {
    /// Position of the text in the request; nil when it is the only one.
    public var index: Int?
    public var tokens: Int
    public var maximum: Int

    public var message: String {
        let which = index.map { "Input \($0)" } ?? "The input"
        return "\(which) has \(tokens) tokens; the model accepts at most \(maximum) and 'truncate' is false."
    }
}
