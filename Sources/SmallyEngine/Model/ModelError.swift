/// A problem with the files of a model folder. Always names the file and what is wrong with it,
/// so that a bad download or a model of an unsupported family is easy to diagnose.
public struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file (relative to the model folder where possible) the problem was found in.
    public var file: String
    /// What is wrong, in words a user can act on.
    public var message: String

    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
