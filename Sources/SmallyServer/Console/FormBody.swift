import Foundation
import Hummingbird
import NIOCore

/// An `application/x-www-form-urlencoded` body (what the console's forms post): `name=value`
/// pairs, `+` for space, percent-escapes decoded. The first value of a repeated name wins.
struct FormBody: Sendable {
    private(set) var fields: [String: String] = [:]

    /// Bodies larger than this are refused (the console's forms post a few hundred bytes).
    static let limit = 16 << 10

    init(_ text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            if fields[name] == nil { fields[name] = parts.count > 1 ? Self.decode(parts[1]) : "" }
        }
    }

    static func read(_ request: Request) async throws -> FormBody {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        return FormBody(String(buffer: buffer))
    }

    subscript(name: String) -> String? { fields[name] }

    /// The value with surrounding spaces removed, nil when absent or empty.
    func trimmed(_ name: String) -> String? {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// `+` is a space; then percent-escapes (Foundation's decoder; a malformed escape leaves the text as it came).
    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
