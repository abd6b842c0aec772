import ArgumentParser
import Foundation
import SmallyEngine
import SmallyJSON

/// `smally embed`: embeddings on the command line. Output is one JSON object per input line,
/// `{"tokens": n, "token_ids": [...], "embedding": [...]}`, in input order; scripts depend on it.
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the embedding of each TEXT (or of each JSON line on stdin with --jsonl)."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Flag(help: "L2-normalise the vectors (sentence-transformers' Normalize module).")
    var normalize = false

    @Flag(help: "Read one JSON object {\"text\": \"...\"} per stdin line; write one result line each, in order.")
    var jsonl = false

    @Option(help: "Texts per forward pass in --jsonl mode.")
    var batchSize = 32

    @Argument(help: "Texts to embed.")
    var texts: [String] = []

    func validate() throws {
        if jsonl, !texts.isEmpty { throw ValidationError("give either TEXT arguments or --jsonl, not both") }
        if !jsonl, texts.isEmpty { throw ValidationError("give at least one TEXT, or --jsonl to read stdin") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() async throws {
        let engine = try modelOptions.loadEngine()
        guard engine.model.configuration.kind == .embedding else {
            throw ValidationError("\(engine.model.name) is a cross-encoder: it scores pairs (`smally rerank`), it does not embed")
        }
        if !jsonl {
            try await emit(texts.map { .success($0) }, engine: engine)
            return
        }
        var failures = 0
        var pending: [Result<String, LineError>] = []
        var lineNumber = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            let parsed = Self.parse(line: line, number: lineNumber)
            if case .failure = parsed { failures += 1 }
            pending.append(parsed)
            if pending.count == batchSize {
                try await emit(pending, engine: engine)
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { try await emit(pending, engine: engine) }
        if failures > 0 {
            StandardError.print("smally embed: \(failures) of \(lineNumber) lines were not valid {\"text\": string} objects")
            throw ExitCode(1)
        }
    }

    struct LineError: Error {
        var message: String
    }

    static func parse(line: String, number: Int) -> Result<String, LineError> {
        guard case .object(let object)? = try? JSONReader.parse(line) else {
            return .failure(LineError(message: "line \(number): not a JSON object"))
        }
        guard case .string(let text)? = object["text"] else {
            return .failure(LineError(message: "line \(number): field \"text\" must be a string"))
        }
        return .success(text)
    }

    /// Embeds the valid inputs in one forward pass and writes one line per input, in order; an
    /// invalid input gets an error object in its place so line numbers stay aligned.
    private func emit(_ inputs: [Result<String, LineError>], engine: InferenceEngine) async throws {
        let tokenizer = engine.model.tokenizer
        let encodings = inputs.map { input in (try? input.get()).map { tokenizer.encode($0) } }
        let vectors = try await engine.embed(tokenIDs: encodings.compactMap { $0?.ids })
        var next = 0
        var output: [UInt8] = []
        output.reserveCapacity(8192 * inputs.count)
        for (input, encoding) in zip(inputs, encodings) {
            var writer = JSONWriter(capacity: 8192)
            writer.beginObject()
            if let encoding {
                let vector = normalize ? l2Normalized(vectors[next]) : vectors[next]
                next += 1
                writer.key("tokens"); writer.int(encoding.count)
                writer.key("token_ids"); writer.ints(encoding.ids)
                writer.key("embedding"); writer.floats(vector)
            } else if case .failure(let error) = input {
                writer.key("error"); writer.beginObject()
                writer.key("type"); writer.string("invalid_request_error")
                writer.key("message"); writer.string(error.message)
                writer.endObject()
            }
            writer.endObject()
            output.append(contentsOf: writer.bytes)
            output.append(0x0A)
        }
        StandardOutput.write(output)
    }
}
