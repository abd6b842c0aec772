import Foundation

/// Building documents to write: the admin API, `/v1/usage` and the CLI's `--json` print objects
/// whose documented fields are always present, so absent values become `null`, never left out.
extension JSONValue {
    public static func string(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
    public static func int(_ value: Int?) -> JSONValue { value.map { .integer($0) } ?? .null }
    public static func date(_ value: Date?) -> JSONValue { value.map { .string(format($0)) } ?? .null }

    /// An object with its members in the order given (they are written in that order).
    public static func object(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(JSONObject(members: members.map { JSONObject.Member(name: $0.0, value: $0.1) }))
    }

    /// ISO 8601 in UTC, whole seconds: `2026-11-29T23:10:00Z`.
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// The member called `name` if this is an object that has one.
    public subscript(name: String) -> JSONValue? {
        if case .object(let object) = self { return object[name] }
        return nil
    }

    /// Compact JSON text (one line), as ``JSONWriter`` writes it.
    public func rendered() -> String {
        var writer = JSONWriter(capacity: 512)
        writer.value(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
