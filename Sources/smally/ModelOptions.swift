import ArgumentParser
import Foundation
import SmallyConfiguration
import SmallyEngine

/// Options shared by every command that loads the model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "Model folder (default: $SMALLY_MODEL_DIR or models/all-MiniLM-L6-v2).")
    var model: String?

    @Option(name: .long, help: "CPUs used for inference (default: $SMALLY_THREADS or the CPUs this process may use).")
    var threads: Int?

    /// The engine settings from the environment (`SMALLY_MODEL_DIR`, `SMALLY_THREADS`,
    /// `SMALLY_SPLIT_MIN_TEXTS`), with these flags on top.
    func settings(from environment: EngineSettings) throws -> EngineSettings {
        var settings = environment
        if let model { settings.modelDirectory = model }
        if let threads {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
            settings.threads = threads
        }
        return settings
    }

    /// Reads the engine settings from the process environment (a malformed value stops the command,
    /// naming the variable) and applies the flags.
    func settings() throws -> EngineSettings {
        var reader = EnvironmentReader(ProcessInfo.processInfo.environment)
        do {
            return try settings(from: EngineSettings(reading: &reader))
        } catch let error as ConfigurationError {
            throw ValidationError("configuration: \(error)")
        }
    }

    /// Loads the model, turning a `ModelError` into a clean command-line failure.
    static func loadEngine(_ settings: EngineSettings) throws -> InferenceEngine {
        let model: EmbeddingModel
        do {
            model = try EmbeddingModel(directory: URL(fileURLWithPath: settings.modelDirectory))
        } catch {
            throw ValidationError("cannot load model: \(error)")
        }
        let kernel: PackedKernel
        do {
            kernel = try PackedKernel.resolve(settings.kernel)
        } catch {
            throw ValidationError("configuration: SMALLY_KERNEL=\(settings.kernel): \(error)")
        }
        return InferenceEngine(model: model, threads: settings.threads, splitMinimumTexts: settings.splitMinimumTexts,
                               kernel: kernel)
    }

    func loadEngine() throws -> InferenceEngine {
        try Self.loadEngine(settings())
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
