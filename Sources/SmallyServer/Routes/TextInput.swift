/// The texts of a request, checked against the documented limits.
struct TextInput {
    var values: [String]
    var isBatch: Bool

    static func validate(single: String?, many: [String]?, limits: ServerConfiguration,
                         singleName: String = "text", manyName: String = "texts") throws -> TextInput {
        switch (single, many) {
        case (nil, nil):
            throw APIError.invalidRequest("Give '\(singleName)' (a string) or '\(manyName)' (an array of strings).",
                                          param: singleName, code: "missing_field")
        case (.some, .some):
            throw APIError.invalidRequest("Give either '\(singleName)' or '\(manyName)', not both.", param: manyName)
        case (let text?, nil):
            try check(text, name: singleName, limits: limits)
            return TextInput(values: [text], isBatch: false)
        case (nil, let texts?):
            try checkCount(texts.count, name: manyName, limits: limits)
            for (index, text) in texts.enumerated() { try check(text, name: "\(manyName)[\(index)]", limits: limits) }
            return TextInput(values: texts, isBatch: true)
        }
    }

    static func checkCount(_ count: Int, name: String, limits: ServerConfiguration) throws {
        if count == 0 {
            throw APIError.invalidRequest("'\(name)' must contain at least one text.", param: name, code: "empty_input")
        }
        if count > limits.maxTextsPerRequest {
            throw APIError.invalidRequest("'\(name)' has \(count) items; at most \(limits.maxTextsPerRequest) are allowed per request.",
                                          param: name, code: "too_many_inputs")
        }
    }

    static func check(_ text: String, name: String, limits: ServerConfiguration) throws {
        if text.isEmpty {
            throw APIError.invalidRequest("'\(name)' must not be empty.", param: name, code: "empty_input")
        }
        if text.utf8.count > limits.maxTextBytes {
            throw APIError.tooLarge("'\(name)' is \(text.utf8.count) bytes; at most \(limits.maxTextBytes) bytes are allowed per text.",
                                    param: name)
        }
    }
}
