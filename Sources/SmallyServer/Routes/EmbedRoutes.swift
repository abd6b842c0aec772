import Hummingbird
import SmallyCore
import SmallyEngine
import SmallyJSON

/// `POST /v1/embed`, the Smally contract:
/// `{"text": "…", "normalize": false}` → `{"embedding", "model", "tokens", "cached", "truncated", "latency_ms"}`;
/// `{"texts": ["…", …]}` → the same with `embeddings` and per-item arrays. Optional: `model`,
/// `prompt_name` / `input_type`, `truncate`, `truncation_direction`, `encoding_format` /
/// `embedding_types` (see ``EmbeddingRequestOptions``).
struct EmbedRoutes {
    let service: EmbeddingService
    let limits: ServerConfiguration
    /// Open connections, so that a request whose client has gone is dropped before inference.
    var connections: ConnectionWatches?
    /// JSON arrays of hot cached vectors, written once.
    var rendered = RenderedVectors(capacity: 0)

    struct Body {
        var text: String?
        var texts: [String]?
        var normalize: Bool?
        var options: EmbeddingRequestOptions

        init(_ fields: JSONFields) throws(APIError) {
            text = try fields.string("text")
            texts = try fields.strings("texts")
            normalize = try fields.bool("normalize")
            options = try EmbeddingRequestOptions(fields)
        }
    }

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.post("/v1/embed") { request, context in
            try await embed(request: request, context: context)
        }
    }

    func embed(request: Request, context: AppRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        let body = try await Body(JSONBody.fields(from: request, limit: limits.maxBodyBytes))
        let texts = try TextInput.validate(single: body.text, many: body.texts, limits: limits)
        let model = try service.catalog.embeddingModel(named: body.options.model)
        let normalize = body.normalize ?? false
        let output = try await VectorOutput(options: body.options, model: model, normalized: normalize, service: service,
                                            rendered: rendered)
        let outcome = try await service.embed(texts: texts.values, model: model, options: body.options.text, meter: context.meter,
                                              client: connections?.watch(for: context.connection))

        var writer = JSONWriter(capacity: 8192 * outcome.inputs.count)
        writer.beginObject()
        if texts.isBatch {
            writer.key("embeddings")
            output.writeAll(outcome.inputs.map { .input($0, normalize: normalize) }, into: &writer)
            writer.key("model"); writer.string(model.name)
            writer.key("tokens"); writer.ints(outcome.inputs.map(\.tokens))
            writer.key("cached"); writer.beginArray(); for input in outcome.inputs { writer.bool(input.cache != .miss) }; writer.endArray()
            writer.key("truncated"); writer.beginArray(); for input in outcome.inputs { writer.bool(input.truncated) }; writer.endArray()
            writer.key("total_tokens"); writer.int(outcome.inputs.reduce(0) { $0 + $1.tokens })
        } else {
            let input = outcome.inputs[0]
            writer.key("embedding"); output.write(.input(input, normalize: normalize), into: &writer)
            writer.key("model"); writer.string(model.name)
            writer.key("tokens"); writer.int(input.tokens)
            writer.key("cached"); writer.bool(input.cache != .miss)
            writer.key("truncated"); writer.bool(input.truncated)
        }
        writer.key("dimension"); writer.int(model.dimension)
        writer.key("normalized"); writer.bool(normalize)
        writer.key("latency_ms"); writer.double(((ContinuousClock.now - started).milliseconds * 1000).rounded() / 1000)
        writer.endObject()
        return .json(writer, headers: outcome.headers)
    }
}

extension EmbeddingService.Outcome {
    /// `x-queue-time`, `x-inference-time` (milliseconds) and `x-cache` for a response.
    var headers: HTTPFields {
        var fields = HTTPFields()
        fields[.queueTime] = queueTime.headerValue
        fields[.inferenceTime] = inferenceTime.headerValue
        // The slowest source among the texts: miss, then L2, then L1.
        var status = CacheStatus.l1
        for input in inputs where input.cache != .l1 {
            status = input.cache
            if status == .miss { break }
        }
        fields[.cacheStatus] = status.rawValue
        return fields
    }
}
