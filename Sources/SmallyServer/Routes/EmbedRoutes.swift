import Hummingbird
import SmallyCore
import SmallyEngine
import SmallyJSON

/// `POST /v1/embed`, the Smally contract:
/// `{"text": "…", "normalize": false}` → `{"embedding", "model", "tokens", "cached", "truncated", "latency_ms"}`;
/// `{"texts": ["…", …]}` → the same with `embeddings` and per-item arrays.
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

        init(_ fields: JSONFields) throws(APIError) {
            text = try fields.string("text")
            texts = try fields.strings("texts")
            normalize = try fields.bool("normalize")
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
        let outcome = try await service.embed(texts: texts.values, meter: context.meter,
                                              client: connections?.watch(for: context.connection))
        let normalize = body.normalize ?? false

        var writer = JSONWriter(capacity: 8192 * outcome.inputs.count)
        writer.beginObject()
        if texts.isBatch {
            writer.key("embeddings")
            writer.beginArray()
            for input in outcome.inputs { rendered.write(input, normalize: normalize, into: &writer) }
            writer.endArray()
            writer.key("model"); writer.string(service.modelName)
            writer.key("tokens"); writer.ints(outcome.inputs.map(\.tokens))
            writer.key("cached"); writer.beginArray(); for input in outcome.inputs { writer.bool(input.cache != .miss) }; writer.endArray()
            writer.key("truncated"); writer.beginArray(); for input in outcome.inputs { writer.bool(input.truncated) }; writer.endArray()
            writer.key("total_tokens"); writer.int(outcome.inputs.reduce(0) { $0 + $1.tokens })
        } else {
            let input = outcome.inputs[0]
            writer.key("embedding"); rendered.write(input, normalize: normalize, into: &writer)
            writer.key("model"); writer.string(service.modelName)
            writer.key("tokens"); writer.int(input.tokens)
            writer.key("cached"); writer.bool(input.cache != .miss)
            writer.key("truncated"); writer.bool(input.truncated)
        }
        writer.key("dimension"); writer.int(service.dimension)
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
