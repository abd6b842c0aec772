/// How the embedding engine is loaded and run; read by `smally serve`, `embed` and `bench` alike.
public struct EngineSettings: Sendable, Hashable {
    /// `SMALLY_MODEL_DIR`, default `models/all-MiniLM-L6-v2` (`--model`).
    public var modelDirectory = "models/all-MiniLM-L6-v2"
    /// `SMALLY_MODELS` (`NAME=DIR,NAME=DIR,…`; `--model NAME=DIR`, repeatable): several models in one
    /// process, the first the default. Empty: the one model of `modelDirectory`.
    public var models: [ModelSource] = []
    /// `SMALLY_THREADS`: CPUs used for inference (`--threads`); nil = the CPUs this process may use.
    public var threads: Int?
    /// `SMALLY_SPLIT_MIN_TEXTS`, default 2: batches spread over all CPUs run as one group per CPU
    /// from this many texts; smaller ones (all with 0) are computed by all CPUs together.
    public var splitMinimumTexts = 2
    /// `SMALLY_KERNEL`, default `auto`: the compiled kernel of the linear layers (`auto`, `avx512`,
    /// `avx2`, `portable`, `neon`); one this CPU cannot run stops the start.
    public var kernel = "auto"
    /// `SMALLY_INFERENCE_NICE`, default 10 (0…19): niceness of the inference threads. Above 0, the
    /// threads that parse requests, look up the cache and write answers take the CPU first when
    /// inference keeps every CPU busy, so cached answers do not queue behind forward passes.
    public var inferenceNice = 10
    /// `SMALLY_INFERENCE_POLICY`, default `idle` (`normal`, `batch`, `idle`): the Linux scheduling
    /// class of the inference threads. `idle` (`SCHED_IDLE`) runs inference only when no other thread
    /// of its cgroup wants a CPU, so request handling always goes first (measured: PERFORMANCE.md).
    public var inferencePolicy = "idle"
    /// `SMALLY_PRECISION`, default `fp32`: the arithmetic of the linear layers (`fp32`, `int8`) of
    /// every model without its own (`DIR@int8` in `SMALLY_MODELS` / `--model`).
    public var precision = "fp32"

    public init() {}

    /// What to serve: `models`, or the one model of `modelDirectory`.
    public var sources: [ModelSource] {
        models.isEmpty ? [ModelSource(directory: modelDirectory)] : models
    }

    /// A comma-separated list of `NAME=DIR` / `DIR` entries.
    public static func parseModels(_ text: String, variable: String) throws(ConfigurationError) -> [ModelSource] {
        var sources: [ModelSource] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            switch ModelSource.parse(String(part)) {
            case .success(let source): sources.append(source)
            case .failure(let error): throw ConfigurationError(variable: variable, message: "has \(error)")
            }
        }
        return sources
    }

    public init(reading reader: inout EnvironmentReader) throws(ConfigurationError) {
        modelDirectory = reader.string("SMALLY_MODEL_DIR", default: modelDirectory)
        models = try reader.parsed("SMALLY_MODELS", default: [], defaultText: "") { text in
            try Self.parseModels(text, variable: "SMALLY_MODELS")
        }
        threads = try reader.optionalInt("SMALLY_THREADS", in: 1...4_096)
        splitMinimumTexts = try reader.int("SMALLY_SPLIT_MIN_TEXTS", default: splitMinimumTexts, in: 0...1_000_000)
        inferenceNice = try reader.int("SMALLY_INFERENCE_NICE", default: inferenceNice, in: 0...19)
        inferencePolicy = try reader.choice("SMALLY_INFERENCE_POLICY", default: inferencePolicy,
                                            ["normal": "normal", "batch": "batch", "idle": "idle"])
        precision = try reader.choice("SMALLY_PRECISION", default: precision, ["fp32": "fp32", "int8": "int8"])
        kernel = try reader.choice("SMALLY_KERNEL", default: kernel,
                                   ["auto": "auto", "avx512": "avx512", "avx2": "avx2", "portable": "portable", "neon": "neon"])
    }
}
