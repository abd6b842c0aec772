import Foundation
import Logging
import SmallyEngine

/// The real model and engine for the core's tests (same model folder as the other test targets).
enum CoreTestSupport {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var modelDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["SMALLY_MODEL_DIR"] { return URL(fileURLWithPath: dir) }
        return root.appendingPathComponent("models/all-MiniLM-L6-v2")
    }

    // One thread: test suites run in parallel on a shared machine (see SmallyEngineTests.TestSupport).
    static let loaded: Result<InferenceEngine, any Error> = Result {
        InferenceEngine(model: try EmbeddingModel(directory: modelDirectory), threads: 1)
    }

    static func engine() throws -> InferenceEngine {
        do { return try loaded.get() } catch {
            throw SetupError(description: "cannot load the model from \(modelDirectory.path) (run `make model`): \(error)")
        }
    }

    struct SetupError: Error, CustomStringConvertible { var description: String }

    static var logger: Logger {
        var logger = Logger(label: "smally-core-test")
        logger.logLevel = .warning
        return logger
    }

    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }
}
