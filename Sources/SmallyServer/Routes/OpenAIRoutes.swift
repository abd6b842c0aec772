import Foundation
import Hummingbird
import SmallyCore
import SmallyEngine
import SmallyJSON

/// `POST /v1/embeddings`, compatible with OpenAI's API so that the official clients work against
/// `base_url=http://host:port/v1`. Vectors are L2-normalised, as OpenAI's are.
struct OpenAIRoutes {
    let service: EmbeddingService
    let limits: ServerConfiguration
    /// Open connections, so that a request whose client has gone is dropped before inference.
    var connections: ConnectionWatches?
    /// Vectors here are computed (normalised, maybe shortened), never kept JSON: an empty cache, made once.
    private let rendered = RenderedVectors(capacity: 0)

    enum Input {
        case text(String)
        case texts([String])
        case tokens([Int])
        case tokenLists([[Int]])

        static let expected = "a string, an array of strings, an array of token ids, or an array of arrays of token ids"

        init(_ value: JSONValue?) throws(APIError) {
            guard let value else {
                throw APIError.invalidRequest("'input' is required.", param: "input", code: "missing_field")
            }
            switch value {
            case .string(let text):
                self = .text(text)
            case .array(let elements):
                // The first element decides the form; [] is an empty list of texts.
                switch elements.first {
                case nil, .string?:
                    self = .texts(try JSONFields.strings(elements, name: "input"))
                case .array?:
                    var lists: [[Int]] = []
                    lists.reserveCapacity(elements.count)
                    for element in elements {
                        guard case .array(let ids) = element, let list = Self.tokenIDs(ids) else { throw Self.typeError }
                        lists.append(list)
                    }
                    self = .tokenLists(lists)
                default:
                    guard let ids = Self.tokenIDs(elements) else { throw Self.typeError }
                    self = .tokens(ids)
                }
            default:
                throw Self.typeError
            }
        }

        static let typeError = JSONFields.typeError("input", expected)

        static func tokenIDs(_ elements: [JSONValue]) -> [Int]? {
            var ids: [Int] = []
            ids.reserveCapacity(elements.count)
            for element in elements {
                guard let id = element.integerValue else { return nil }
                ids.append(id)
            }
            return ids
        }
    }

    struct Body {
        var input: Input
        /// `model`, `encoding_format` (float, base64 and the compact types), and Smally's additions:
        /// `prompt_name` / `input_type`, `truncate`, `truncation_direction`, `embedding_types`.
        var options: EmbeddingRequestOptions
        var dimensions: Int?
        var user: String?

        init(_ fields: JSONFields) throws(APIError) {
            input = try Input(fields["input"])
            options = try EmbeddingRequestOptions(fields)
            dimensions = try fields.int("dimensions")
            user = try fields.string("user")
        }
    }

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.post("/v1/embeddings") { request, context in
            try await embeddings(request: request, context: context)
        }
    }

    func embeddings(request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await Body(JSONBody.fields(from: request, limit: limits.maxBodyBytes))
        let model = try service.catalog.embeddingModel(named: body.options.model)
        if let dimensions = body.dimensions, !(1...model.dimension).contains(dimensions) {
            throw APIError.invalidRequest("'dimensions' must be between 1 and \(model.dimension).", param: "dimensions", code: "invalid_value")
        }
        if let dimensions = body.dimensions, dimensions < model.dimension, body.options.formats.contains(where: \.needsRanges) {
            // The calibrated ranges are those of the full, normalised vector.
            throw APIError.invalidRequest("'dimensions' cannot be combined with int8 or uint8 output.", param: "dimensions",
                                          code: "invalid_value")
        }
        let output = try await VectorOutput(options: body.options, model: model, normalized: true, service: service,
                                            rendered: rendered)

        let outcome: EmbeddingService.Outcome
        func client() -> ClientWatch? { connections?.watch(for: context.connection) }
        switch body.input {
        case .text(let text):
            try TextInput.check(text, name: "input", limits: limits)
            outcome = try await service.embed(texts: [text], model: model, options: body.options.text, meter: context.meter,
                                              client: client())
        case .texts(let texts):
            try TextInput.checkCount(texts.count, name: "input", limits: limits)
            for (index, text) in texts.enumerated() { try TextInput.check(text, name: "input[\(index)]", limits: limits) }
            outcome = try await service.embed(texts: texts, model: model, options: body.options.text, meter: context.meter,
                                              client: client())
        case .tokens(let tokens):
            // Token ids are checked by the service (`EmbeddingService.validated(tokenIDs:)`).
            outcome = try await service.embed(tokenIDs: [tokens], model: model, meter: context.meter, client: client())
        case .tokenLists(let lists):
            try TextInput.checkCount(lists.count, name: "input", limits: limits)
            outcome = try await service.embed(tokenIDs: lists, model: model, meter: context.meter, client: client())
        }

        var writer = JSONWriter(capacity: 8192 * outcome.inputs.count)
        writer.beginObject()
        writer.key("object"); writer.string("list")
        writer.key("data")
        writer.beginArray()
        for (index, input) in outcome.inputs.enumerated() {
            var vector = l2Normalized(input.vector)
            if let dimensions = body.dimensions, dimensions < vector.count {
                // Matryoshka-style: truncate, then renormalise to unit length.
                vector = l2Normalized(Array(vector.prefix(dimensions)))
            }
            writer.beginObject()
            writer.key("object"); writer.string("embedding")
            writer.key("index"); writer.int(index)
            writer.key("embedding")
            output.write(.vector(vector), into: &writer)
            writer.endObject()
        }
        writer.endArray()
        writer.key("model"); writer.string(model.name)
        let tokens = outcome.inputs.reduce(0) { $0 + $1.tokens }
        writer.key("usage")
        writer.beginObject()
        writer.key("prompt_tokens"); writer.int(tokens)
        writer.key("total_tokens"); writer.int(tokens)
        writer.endObject()
        writer.endObject()
        return .json(writer, headers: outcome.headers)
    }
}
