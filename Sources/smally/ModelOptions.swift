import ArgumentParser
import Foundation
import SmallyConfiguration
import SmallyEngine

/// Options shared by every command that loads the model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Model folder, or NAME=DIR (default: $SMALLY_MODELS, else $SMALLY_MODEL_DIR or models/all-MiniLM-L6-v2).",
        discussion: "`serve` takes it several times to serve several models (the first is the default); other commands take one."))
    var model: [String] = []

    @Option(name: .long, help: "CPUs used for inference (default: $SMALLY_THREADS or the CPUs this process may use).")
    var threads: Int?

    /// The engine settings from the environment (`SMALLY_MODEL_DIR`, `SMALLY_THREADS`,
    /// `SMALLY_SPLIT_MIN_TEXTS`), with these flags on top.
    func settings(from environment: EngineSettings) throws -> EngineSettings {
        var settings = environment
        if !model.isEmpty {
            do {
                settings.models = try model.flatMap { try EngineSettings.parseModels($0, variable: "--model") }
            } catch {
                throw ValidationError("\(error)")
            }
        }
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

    /// Loads every model to serve, each with its name, on one set of inference lanes; turns a
    /// `ModelError` or a repeated name into a clean command-line failure.
    static func loadEngines(_ settings: EngineSettings, int8Kernel: Int8Kernel? = nil) throws -> [(name: String, engine: InferenceEngine)] {
        let kernel: PackedKernel
        do {
            kernel = try PackedKernel.resolve(settings.kernel)
        } catch {
            throw ValidationError("configuration: SMALLY_KERNEL=\(settings.kernel): \(error)")
        }
        // The configuration reader accepted only the policies' names.
        let lanes = InferenceLanes(threads: settings.threads, nice: settings.inferenceNice,
                                   policy: LanePolicy(rawValue: settings.inferencePolicy) ?? .normal)
        var engines: [(name: String, engine: InferenceEngine)] = []
        for source in settings.sources {
            let model: EmbeddingModel
            // Both spellings were checked by the configuration reader.
            let precision = Precision(rawValue: source.precision ?? settings.precision) ?? .fp32
            do {
                model = try EmbeddingModel(directory: URL(fileURLWithPath: source.directory), precision: precision)
            } catch {
                throw ValidationError("cannot load model \(source.directory): \(error)")
            }
            let name = source.name ?? model.qualifiedName
            guard ModelSource.isValidName(name) else {
                throw ValidationError("model folder \(source.directory): '\(name)' cannot be a model name; give one with NAME=DIR")
            }
            if engines.contains(where: { $0.name == name }) {
                throw ValidationError("two models are named '\(name)'; give distinct names with NAME=DIR")
            }
            engines.append((name, InferenceEngine(model: model, lanes: lanes, splitMinimumTexts: settings.splitMinimumTexts,
                                                  kernel: kernel, int8Kernel: int8Kernel)))
        }
        return engines
    }

    /// The one model of a command that computes with one (`embed`, `bench`).
    func loadEngine() throws -> InferenceEngine {
        let settings = try settings()
        guard settings.sources.count == 1 else {
            throw ValidationError("this command uses one model; give one --model (SMALLY_MODELS lists \(settings.sources.count))")
        }
        return try Self.loadEngines(settings)[0].engine
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
