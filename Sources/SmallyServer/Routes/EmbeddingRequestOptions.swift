import SmallyCore
import SmallyTokenizer

/// The fields both embedding routes share beside their input: which model, which prompt, how to
/// truncate, and how to write the vectors.
struct EmbeddingRequestOptions {
    var model: String?
    var text = TextOptions()
    /// The output forms asked for; one unless `embedding_types` lists several.
    var formats: [EmbeddingFormat] = [.float]
    /// `embedding_types` was given: each vector is an object keyed by type (Cohere's shape).
    var formatsByType = false

    init(_ fields: JSONFields) throws(APIError) {
        model = try fields.string("model")
        text.promptName = try fields.string("prompt_name")
        if let type = try fields.string("input_type") {
            guard let inputType = InputType(rawValue: type) else {
                throw APIError.invalidRequest("'input_type' must be one of: \(InputType.allCases.map(\.rawValue).joined(separator: ", ")).",
                                              param: "input_type", code: "invalid_value")
            }
            text.inputType = inputType
        }
        if text.promptName != nil, text.inputType != nil {
            throw APIError.invalidRequest("Give either 'prompt_name' or 'input_type', not both.", param: "input_type")
        }
        text.truncate = try fields.bool("truncate") ?? true
        if let direction = try fields.string("truncation_direction") {
            guard let value = TruncationDirection(rawValue: direction.lowercased()) else {
                throw APIError.invalidRequest("'truncation_direction' must be 'right' or 'left'.", param: "truncation_direction",
                                              code: "invalid_value")
            }
            text.direction = value
        }
        let format = try fields.string("encoding_format")
        let types = try fields.strings("embedding_types")
        switch (format, types) {
        case (.some, .some):
            throw APIError.invalidRequest("Give either 'encoding_format' or 'embedding_types', not both.", param: "embedding_types")
        case (let format?, nil):
            formats = [try Self.format(format, param: "encoding_format")]
        case (nil, let types?):
            guard !types.isEmpty else {
                throw APIError.invalidRequest("'embedding_types' must list at least one type.", param: "embedding_types", code: "invalid_value")
            }
            var seen: [EmbeddingFormat] = []
            for type in types {
                let format = try Self.format(type, param: "embedding_types")
                if !seen.contains(format) { seen.append(format) }
            }
            formats = seen
            formatsByType = true
        case (nil, nil):
            break
        }
    }

    static func format(_ name: String, param: String) throws(APIError) -> EmbeddingFormat {
        guard let format = EmbeddingFormat(rawValue: name) else {
            throw APIError.invalidRequest("'\(name.prefix(40))' is not an output type; supported: \(EmbeddingFormat.allCases.map(\.rawValue).joined(separator: ", ")).",
                                          param: param, code: "unsupported_encoding_format")
        }
        return format
    }
}
