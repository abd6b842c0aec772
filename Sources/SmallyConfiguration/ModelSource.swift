import Foundation

/// One model to serve: a folder, the name clients choose it by (default: the folder's name) and
/// optionally its precision. Written `NAME=DIR` or `DIR`, either followed by `@fp32` or `@int8` (in
/// `SMALLY_MODELS`, comma-separated, and in `--model`).
public struct ModelSource: Sendable, Hashable {
    public var name: String?
    public var directory: String
    /// `fp32` or `int8`; nil: `SMALLY_PRECISION`.
    public var precision: String?

    public init(name: String? = nil, directory: String, precision: String? = nil) {
        self.name = name
        self.directory = directory
        self.precision = precision
    }

    /// The precisions a source may name.
    public static let precisions = ["fp32", "int8"]

    /// Parses `NAME=DIR` or `DIR`, optionally followed by `@PRECISION`; nil (with the reason) for an
    /// empty part, a name clients could not send or an unknown precision.
    public static func parse(_ text: String) -> Result<ModelSource, ModelSourceError> {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        var precision: String?
        if let at = trimmed.lastIndex(of: "@") {
            let suffix = String(trimmed[trimmed.index(after: at)...])
            guard precisions.contains(suffix) else {
                return .failure(.init("an entry '\(trimmed)' with precision '\(suffix)' (after '@': \(precisions.joined(separator: " or ")))"))
            }
            precision = suffix
            trimmed = String(trimmed[..<at])
        }
        return parseNamed(trimmed).map { source in
            var source = source
            source.precision = precision
            return source
        }
    }

    private static func parseNamed(_ trimmed: String) -> Result<ModelSource, ModelSourceError> {
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
