import SmallyJSON

/// A request body's top-level JSON object, read field by field. A field of the wrong type is a
/// 400 `invalid_type` that names it; `null` counts as absent, as it did with `Decodable`'s
/// optional fields. Unknown fields are ignored.
struct JSONFields: Sendable {
    let object: JSONObject

    /// The field's value; nil when absent or `null`.
    subscript(name: String) -> JSONValue? {
        switch object[name] {
        case nil, .null?: nil
        case let value?: value
        }
    }

    func string(_ name: String) throws(APIError) -> String? {
        switch self[name] {
        case nil: return nil
        case .string(let value)?: return value
        default: throw Self.typeError(name, "a string")
        }
    }

    /// An array of strings; a wrong element is named with its index (`texts[3]`).
    func strings(_ name: String) throws(APIError) -> [String]? {
        switch self[name] {
        case nil: return nil
        case .array(let elements)?: return try Self.strings(elements, name: name)
        default: throw Self.typeError(name, "an array of strings")
        }
    }

    func bool(_ name: String) throws(APIError) -> Bool? {
        switch self[name] {
        case nil: return nil
        case .bool(let value)?: return value
        default: throw Self.typeError(name, "a boolean")
        }
    }

    func int(_ name: String) throws(APIError) -> Int? {
        guard let value = self[name] else { return nil }
        guard let integer = value.integerValue else { throw Self.typeError(name, "an integer") }
        return integer
    }

    /// A field the body must have: absent or `null` is a 400 `missing_field` naming it.
    func requiredString(_ name: String) throws(APIError) -> String {
        guard let value = try string(name) else {
            throw APIError.invalidRequest("'\(name)' is required.", param: name, code: "missing_field")
        }
        return value
    }

    /// An integer for an update (PATCH): nil when absent (keep the stored value), `.some(nil)`
    /// for `null` (clear it), else the new value.
    func intUpdate(_ name: String) throws(APIError) -> Int?? {
        switch object[name] {
        case nil: return nil
        case .null?: return .some(nil)
        default: return .some(try int(name))
        }
    }

    static func strings(_ elements: [JSONValue], name: String) throws(APIError) -> [String] {
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard case .string(let value) = element else { throw typeError("\(name)[\(index)]", "a string") }
            strings.append(value)
        }
        return strings
    }

    static func typeError(_ field: String, _ expected: String) -> APIError {
        .invalidRequest("'\(field)' must be \(expected).", param: field, code: "invalid_type")
    }
}
