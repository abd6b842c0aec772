import SmallyTokenizer

/// How a request's texts become encoder input: prompt, truncation.
public struct TextOptions: Sendable {
    /// One of the model's prompts by name (text-embeddings-inference's `prompt_name`).
    public var promptName: String?
    /// Picks the model's query or document prompt (Cohere's `input_type`).
    public var inputType: InputType?
    /// false: a text longer than the model's limit is refused (``CoreError/inputTooLong(_:)``)
    /// instead of truncated.
    public var truncate = true
    /// Which end of a long text is cut off.
    public var direction = TruncationDirection.right

    public init(promptName: String? = nil, inputType: InputType? = nil, truncate: Bool = true,
                direction: TruncationDirection = .right) {
        self.promptName = promptName
        self.inputType = inputType
        self.truncate = truncate
        self.direction = direction
    }
}
