/// A parsed JSON document (RFC 8259), as ``JSONReader`` produces it.
///
/// Request bodies are read into this tree and checked field by field. It replaces `JSONDecoder`
/// on the hot routes, where `Decodable`'s generic machinery cost more than the rest of a cached
/// request's own work.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent that fits in `Int`.
    case integer(Int)
    /// Any other number.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The value as an `Int` when it is a whole number within range (`128`, `128.0`, `1.28e2`).
    public var integerValue: Int? {
        switch self {
        case .integer(let value): value
        case .number(let value): value.rounded() == value && abs(value) < 0x1p63 ? Int(value) : nil
        default: nil
        }
    }
}

/// A JSON object's members in document order. Lookups return the last member with that name,
/// as JavaScript and Python do for duplicate names.
public struct JSONObject: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        public var name: String
        public var value: JSONValue

        public init(name: String, value: JSONValue) {
            self.name = name
            self.value = value
        }
    }

    public var members: [Member]

    public init(members: [Member] = []) {
        self.members = members
    }

    /// The value of the last member called `name`; nil when there is none.
    public subscript(name: String) -> JSONValue? {
        // Bodies have a handful of members: a backwards scan beats building a dictionary.
        for member in members.reversed() where member.name == name { return member.value }
        return nil
    }
}
