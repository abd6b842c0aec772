import Foundation

/// One model to serve: a folder, and the name clients choose it by (default: the folder's name).
/// Written `NAME=DIR` or `DIR` (in `SMALLY_MODELS`, comma-separated, and in `--model`).
public struct ModelSource: Sendable, Hashable {
    public var name: String?
    public var directory: String

    public init(name: String? = nil, directory: String) {
        self.name = name
        self.directory = directory
    }

    /// Parses `NAME=DIR` or `DIR`; nil (with the reason) for an empty part or a name clients could not send.
    public static func parse(_ text: String) -> Result<ModelSource, ModelSourceError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let equals = trimmed.firstIndex(of: "=") else {
            return trimmed.isEmpty ? .failure(.init("an empty entry")) : .success(ModelSource(directory: trimmed))
        }
        let name = String(trimmed[..<equals])
        let directory = String(trimmed[trimmed.index(after: equals)...])
        guard !directory.isEmpty else { return .failure(.init("an entry '\(trimmed)' without a folder after '='")) }
        guard isValidName(name) else {
            return .failure(.init("an entry named '\(name)', which is not a model name (1–100 of A–Z a–z 0–9 . _ - / :)"))
        }
        return .success(ModelSource(name: name, directory: directory))
    }

    /// Names clients put in JSON and metrics labels: short, printable, no separators of our own.
    public static func isValidName(_ name: String) -> Bool {
        (1...100).contains(name.count) && name.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isASCIIHexDigit || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || ("0"..."9").contains(scalar) || ".-_/:".unicodeScalars.contains(scalar)
        }
    }
}

public struct ModelSourceError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
