import Foundation
import SmallyEngine

/// Locations used by the tests: the repository root (two folders above this file), the model
/// folder (`$SMALLY_MODEL_DIR` or `models/all-MiniLM-L6-v2`) and the golden fixtures.
enum TestSupport {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var modelDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["SMALLY_MODEL_DIR"] { return URL(fileURLWithPath: dir) }
        return root.appendingPathComponent("models/all-MiniLM-L6-v2")
    }

    struct GoldenCase: Decodable, Sendable {
        let id: String
        let category: String
        let text: String
        let token_ids: [Int32]
        let num_tokens_untruncated: Int
        let truncated: Bool
        let embedding: [Float]
        let embedding_normalized: [Float]
    }

    static let goldenCases: [GoldenCase] = {
        let url = root.appendingPathComponent("Tests/Fixtures/public_cases.json")
        guard let data = try? Data(contentsOf: url) else { fatalError("missing fixture \(url.path)") }
        return try! JSONDecoder().decode([GoldenCase].self, from: data)
    }()

    /// The model and engine, loaded once for all tests in this process. A missing model is a
    /// failure with instructions, not a skip.
    static let engine: Result<InferenceEngine, any Error> = Result {
        let model = try EmbeddingModel(directory: modelDirectory)
        // One thread: tests run in parallel, and BLAS worker threads spinning on both cores would
        // starve the event loops of the Redis and HTTP tests running beside them.
        return InferenceEngine(model: model, threads: 1)
    }

    static func loadEngine() throws -> InferenceEngine {
        do {
            return try engine.get()
        } catch {
            throw SetupError(description: "cannot load the model from \(modelDirectory.path) (run `make model`): \(error)")
        }
    }

    struct SetupError: Error, CustomStringConvertible { var description: String }

    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        return dot / (na.squareRoot() * nb.squareRoot())
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("smally-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
