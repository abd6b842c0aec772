import ArgumentParser
import SmallyEngine
import SmallyJSON

/// `smally rerank`: a cross-encoder's scores for one query against documents, one JSON line per
/// document in input order: `{"index": i, "score": s, "logits": [...]}` (`score` is what
/// sentence-transformers' `CrossEncoder.predict` returns, `logits` the raw outputs).
struct RerankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerank",
        abstract: "Score each DOCUMENT against --query with a cross-encoder model."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "The query every document is scored against.")
    var query: String

    @Argument(help: "Documents to score.")
    var documents: [String]

    func validate() throws {
        if documents.isEmpty { throw ValidationError("give at least one DOCUMENT") }
    }

    func run() async throws {
        let engine = try modelOptions.loadEngine()
        let configuration = engine.model.configuration
        guard case .crossEncoder = configuration.kind else {
            throw ValidationError("\(engine.model.name) is not a cross-encoder (config.json architectures has no BertForSequenceClassification)")
        }
        let tokenizer = engine.model.tokenizer
        let inputs = documents.map { document in
            let encoding = tokenizer.encodePair(query, document, maxLength: configuration.maxSequenceLength)
            return EncoderInput(ids: encoding.ids, typeIDs: encoding.typeIDs)
        }
        var output: [UInt8] = []
        for (index, logits) in try await engine.run(inputs).enumerated() {
            var writer = JSONWriter(capacity: 256)
            writer.beginObject()
            writer.key("index"); writer.int(index)
            // One label: one number, as `predict` squeezes it; several: one score per label.
            let scores = configuration.scoreActivation.apply(logits)
            writer.key("score")
            if scores.count == 1 { writer.float(scores[0]) } else { writer.floats(scores) }
            writer.key("logits"); writer.floats(logits)
            writer.endObject()
            output.append(contentsOf: writer.bytes)
            output.append(0x0A)
        }
        StandardOutput.write(output)
    }
}
