import Hummingbird
import SmallyCore
import SmallyEngine
import SmallyTokenizer
import SmallyJSON

/// Open, cheap routes: liveness, readiness, model and limits, tokenization previews.
struct InfoRoutes {
    let service: EmbeddingService
    let limits: ServerConfiguration
    let readiness: Readiness
    let version: String

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/health") { _, _ in
            var writer = JSONWriter(capacity: 32)
            writer.beginObject(); writer.key("status"); writer.string("ok"); writer.endObject()
            return Response.json(writer)
        }
        router.get("/ready") { _, _ in
            let report = await readiness.check()
            var writer = JSONWriter(capacity: 256)
            writer.beginObject()
            writer.key("status"); writer.string(report.ready ? "ready" : "not_ready")
            writer.key("checks")
            writer.beginObject()
            for (name, ok) in report.checks { writer.key(name); writer.string(ok ? "ok" : "failing") }
            writer.endObject()
            writer.endObject()
            return Response.json(writer, status: report.ready ? .ok : .serviceUnavailable)
        }
        router.get("/info") { _, _ in info() }
        router.get("/v1/models") { _, _ in
            var writer = JSONWriter(capacity: 256)
            writer.beginObject()
            writer.key("object"); writer.string("list")
            writer.key("data")
            writer.beginArray()
            for model in service.catalog.models {
                writer.beginObject()
                writer.key("id"); writer.string(model.name)
                writer.key("object"); writer.string("model")
                writer.key("created"); writer.int(0)
                writer.key("owned_by"); writer.string("smally")
                writeDescription(of: model, into: &writer)
                writer.endObject()
            }
            writer.endArray()
            writer.endObject()
            return Response.json(writer)
        }
        router.post("/v1/tokenize") { request, _ in try await tokenize(request: request) }
        let document = OpenAPIDocument.json(version: version, models: [service.modelName] + service.catalog.models.map(\.name).filter { $0 != service.modelName },
                                            maxTexts: limits.maxTextsPerRequest, maxTextBytes: limits.maxTextBytes)
        router.get("/openapi.json") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: document)))
        }
    }

    /// What a client needs to know of a model: kind, sizes, pooling, precision, prompts.
    func writeDescription(of model: ServedModel, into writer: inout JSONWriter) {
        let configuration = model.configuration
        writer.key("kind"); writer.string(model.isCrossEncoder ? "rerank" : "embedding")
        writer.key("dimension"); writer.int(model.isCrossEncoder ? 0 : model.dimension)
        writer.key("max_tokens"); writer.int(model.maxTokens)
        writer.key("pooling"); writer.string(model.isCrossEncoder ? "cls" : configuration.pooling.rawValue)
        writer.key("precision"); writer.string(model.precision)
        writer.key("normalized_by_model"); writer.bool(configuration.normalizesByDefault)
        writer.key("prompts")
        writer.beginObject()
        for (name, prompt) in configuration.prompts.sorted(by: { $0.key < $1.key }) { writer.key(name); writer.string(prompt) }
        writer.endObject()
        writer.key("default_prompt_name")
        if let name = configuration.defaultPromptName { writer.string(name) } else { writer.null() }
    }

    func info() -> Response {
        let model = service.defaultModel
        let configuration = model.configuration
        var writer = JSONWriter(capacity: 1024)
        writer.beginObject()
        // The default model's fields at the top (what single-model clients read), then every model.
        writer.key("model"); writer.string(model.name)
        writer.key("dimension"); writer.int(configuration.dimension)
        writer.key("max_tokens"); writer.int(configuration.maxSequenceLength)
        writer.key("pooling"); writer.string(configuration.pooling.rawValue)
        writer.key("normalize_default"); writer.bool(false)
        writer.key("models")
        writer.beginArray()
        for model in service.catalog.models {
            writer.beginObject()
            writer.key("name"); writer.string(model.name)
            writeDescription(of: model, into: &writer)
            writer.endObject()
        }
        writer.endArray()
        writer.key("limits")
        writer.beginObject()
        writer.key("max_texts_per_request"); writer.int(limits.maxTextsPerRequest)
        writer.key("max_text_bytes"); writer.int(limits.maxTextBytes)
        writer.key("max_body_bytes"); writer.int(limits.maxBodyBytes)
        writer.key("max_batch_size"); writer.int(limits.maxBatchSize)
        writer.key("max_batch_tokens"); writer.int(limits.maxBatchTokens)
        writer.key("max_queued_texts"); writer.int(limits.maxQueuedTexts)
        writer.endObject()
        writer.key("threads"); writer.int(service.engine.threads)
        writer.key("kernel"); writer.string(service.engine.kernel.rawValue)
        writer.key("version"); writer.string(version)
        writer.key("build")
        writer.beginObject()
        #if DEBUG
        writer.key("configuration"); writer.string("debug")
        #else
        writer.key("configuration"); writer.string("release")
        #endif
        writer.key("blas"); writer.string("BLIS")
        writer.endObject()
        writer.endObject()
        return Response.json(writer)
    }

    func tokenize(request: Request) async throws -> Response {
        let fields = try await JSONBody.fields(from: request, limit: limits.maxBodyBytes)
        let texts = try TextInput.validate(single: fields.string("text"), many: fields.strings("texts"), limits: limits)
        let model = try service.catalog.embeddingModel(named: fields.string("model"))
        let encodings = texts.values.map { model.tokenizer.encode($0) }
        var writer = JSONWriter(capacity: 256 * encodings.count)
        func write(_ encoding: TokenEncoding) {
            writer.beginObject()
            writer.key("token_ids"); writer.ints(encoding.ids)
            writer.key("count"); writer.int(encoding.count)
            writer.key("truncated"); writer.bool(encoding.truncated)
            writer.key("untruncated_count"); writer.int(encoding.untruncatedCount)
            writer.endObject()
        }
        if texts.isBatch {
            writer.beginObject()
            writer.key("results")
            writer.beginArray()
            for encoding in encodings { write(encoding) }
            writer.endArray()
            writer.key("total_tokens"); writer.int(encodings.reduce(0) { $0 + $1.count })
            writer.endObject()
        } else {
            write(encodings[0])
        }
        return Response.json(writer)
    }
}
