/// Why a tokenizer could not be built: names the file and what is wrong or unsupported in it.
public struct TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file (or other source) that was being read, e.g. ".../tokenizer.json".
    public var file: String
    public var message: String

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
