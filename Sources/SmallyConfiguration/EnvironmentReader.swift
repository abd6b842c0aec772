/// Reads settings from environment variables, with one policy for all of them: unset or empty
/// means the default; anything else must parse and be in range, or reading throws a
/// ``ConfigurationError`` that names the variable and what it expected (and the process refuses to
/// start). Every variable asked for is recorded with its default, so the documentation (README,
/// `.env.example`) can be checked against what the code reads.
public struct EnvironmentReader: Sendable {
    /// One variable the reader was asked for.
    public struct Setting: Sendable, Hashable {
        public var name: String
        /// The default as `.env.example` writes it ("" when unset by default).
        public var defaultText: String
    }

    public let environment: [String: String]
    public private(set) var settings: [Setting] = []

    public init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// The value, or nil when unset or empty (and records the setting).
    public mutating func text(_ name: String, defaultText: String = "") -> String? {
        if !settings.contains(where: { $0.name == name }) {
            settings.append(Setting(name: name, defaultText: defaultText))
        }
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    public mutating func string(_ name: String, default fallback: String) -> String {
        text(name, defaultText: fallback) ?? fallback
    }

    public mutating func int(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = text(name, defaultText: String(fallback)) else { return fallback }
        return try Self.parseInt(name, text, in: range)
    }

    /// An integer with no default (unset = nil).
    public mutating func optionalInt(_ name: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let text = text(name) else { return nil }
        return try Self.parseInt(name, text, in: range)
    }

    /// One of a fixed set of words, compared without case; `options` maps each accepted spelling.
    public mutating func choice<T>(_ name: String, default fallback: String, _ options: KeyValuePairs<String, T>) throws(ConfigurationError) -> T {
        let value = (text(name, defaultText: fallback) ?? fallback).lowercased()
        for (word, result) in options where word == value { return result }
        var words: [String] = []
        for (word, _) in options where !words.contains(word) { words.append(word) }
        throw ConfigurationError(variable: name, message: "must be one of \(words.joined(separator: ", ")), got '\(value.prefix(40))'")
    }

    /// A value parsed by `parse`, whose error message says what was expected.
    public mutating func parsed<T>(_ name: String, default fallback: T, defaultText: String,
                                   _ parse: (String) throws -> T) throws(ConfigurationError) -> T {
        guard let text = text(name, defaultText: defaultText) else { return fallback }
        do {
            return try parse(text)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(variable: name, message: "\(error)")
        }
    }

    static func parseInt(_ name: String, _ text: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let value = Int(text.trimmingCharacters(in: " ")), range.contains(value) else {
            let expected = range.upperBound == Int.max ? "≥ \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            throw ConfigurationError(variable: name, message: "must be an integer \(expected), got '\(text.prefix(40))'")
        }
        return value
    }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> Substring {
        var slice = self[...]
        while slice.first == character { slice.removeFirst() }
        while slice.last == character { slice.removeLast() }
        return slice
    }
}
