import ArgumentParser
import Foundation
import SmallyEngine

/// Options shared by every command that loads the model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "Model folder (default: $SMALLY_MODEL_DIR or models/all-MiniLM-L6-v2).")
    var model: String?

    @Option(name: .long, help: "CPUs used for inference (default: $SMALLY_THREADS or the CPUs this process may use).")
    var threads: Int?

    var directory: URL {
        model.map { URL(fileURLWithPath: $0) } ?? EmbeddingModel.defaultDirectory()
    }

    /// Loads the model, turning a `ModelError` into a clean command-line failure.
    func loadEngine() throws -> InferenceEngine {
        let model: EmbeddingModel
        do {
            model = try EmbeddingModel(directory: directory)
        } catch {
            throw ValidationError("cannot load model: \(error)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        return InferenceEngine(model: model, threads: threads ?? InferenceEngine.threadsFromEnvironment(),
                               splitMinimumTexts: InferenceEngine.splitMinimumFromEnvironment())
    }
}

/// Writes bytes to standard output unbuffered (no `print` String conversion, nothing to flush).
enum StandardOutput {
    static func write(_ bytes: [UInt8]) {
        FileHandle.standardOutput.write(Data(bytes))
    }
}

enum StandardError {
    static func print(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
