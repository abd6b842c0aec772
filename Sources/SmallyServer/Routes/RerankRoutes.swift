import Hummingbird
import SmallyCore
import SmallyJSON

/// `POST /v1/rerank` (Cohere's and Jina's shape) for cross-encoder models:
/// `{"query", "documents": ["…" | {"text": "…"}], "model"?, "top_n"?, "return_documents"?, "raw_scores"?, "truncate"?}`
/// → `{"results": [{"index", "relevance_score", "logit"?, "document"?: {"text"}}], "model", "usage"}`,
/// best first. Each scored document counts as one embedding against the quota.
struct RerankRoutes {
    let service: EmbeddingService
    let limits: ServerConfiguration
    /// Open connections, so that a request whose client has gone is dropped before inference.
    var connections: ConnectionWatches?

    struct Body {
        var query: String
        var documents: [String]
        var model: String?
        var topN: Int?
        var returnDocuments: Bool
        var rawScores: Bool
        var truncate: Bool

        init(_ fields: JSONFields) throws(APIError) {
            query = try fields.requiredString("query")
            guard let list = fields["documents"] else {
                throw APIError.invalidRequest("'documents' is required.", param: "documents", code: "missing_field")
            }
            guard case .array(let elements) = list else { throw JSONFields.typeError("documents", Self.documentForms) }
            documents = []
            documents.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                switch element {
                case .string(let text):
                    documents.append(text)
                case .object(let object):
                    guard case .string(let text)? = object["text"] else {
                        throw JSONFields.typeError("documents[\(index)].text", "a string")
                    }
                    documents.append(text)
                default:
                    throw JSONFields.typeError("documents[\(index)]", "a string or an object with a 'text' string")
                }
            }
            model = try fields.string("model")
            topN = try fields.int("top_n")
            returnDocuments = try fields.bool("return_documents") ?? false
            rawScores = try fields.bool("raw_scores") ?? false
            truncate = try fields.bool("truncate") ?? true
        }

        static let documentForms = "an array of strings or of objects with a 'text' string"
    }

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.post("/v1/rerank") { request, context in
            try await rerank(request: request, context: context)
        }
    }

    func rerank(request: Request, context: AppRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        let body = try await Body(JSONBody.fields(from: request, limit: limits.maxBodyBytes))
        try TextInput.check(body.query, name: "query", limits: limits)
        try TextInput.checkCount(body.documents.count, name: "documents", limits: limits)
        for (index, document) in body.documents.enumerated() {
            try TextInput.check(document, name: "documents[\(index)]", limits: limits)
        }
        if let topN = body.topN, topN < 1 {
            throw APIError.invalidRequest("'top_n' must be at least 1.", param: "top_n", code: "invalid_value")
        }
        let model = try service.catalog.rerankModel(named: body.model)
        let reranked = try await service.rerank(query: body.query, documents: body.documents, model: model, truncate: body.truncate,
                                                meter: context.meter, client: connections?.watch(for: context.connection))
        // Best first; equal scores keep the documents' order.
        let ranked = reranked.scores.sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
        let shown = ranked.prefix(min(body.topN ?? ranked.count, ranked.count))

        var writer = JSONWriter(capacity: 128 * shown.count + 256)
        writer.beginObject()
        writer.key("results")
        writer.beginArray()
        for score in shown {
            writer.beginObject()
            writer.key("index"); writer.int(score.index)
            writer.key("relevance_score"); writer.float(score.score)
            if body.rawScores { writer.key("logit"); writer.float(score.logit) }
            if body.returnDocuments {
                writer.key("document")
                writer.beginObject(); writer.key("text"); writer.string(body.documents[score.index]); writer.endObject()
            }
            writer.endObject()
        }
        writer.endArray()
        writer.key("model"); writer.string(model.name)
        writer.key("usage")
        writer.beginObject()
        writer.key("documents"); writer.int(reranked.scores.count)
        writer.key("total_tokens"); writer.int(reranked.scores.reduce(0) { $0 + $1.tokens })
        writer.endObject()
        writer.key("latency_ms"); writer.double(((ContinuousClock.now - started).milliseconds * 1000).rounded() / 1000)
        writer.endObject()
        return .json(writer, headers: reranked.outcome.headers)
    }
}
