import Benchmark
import BenchmarkSupport
import Foundation
import SmallyConfiguration
import SmallyEngine

// InferenceEngine.embedSynchronously (BERT encoder on BLIS + mean pooling) on pre-tokenized input:
// tokenization is measured by TokenizerBenchmarks, so only the encoder is timed here.
// The model is loaded in each benchmark's setup hook (every benchmark runs in its own process).
// Threads: SMALLY_THREADS if set, else every CPU this process may use (as `smally serve` does).

/// The engine and the token ids of every workload, made before measuring.
final class InferenceState {
    let engine: InferenceEngine
    /// One engine per kernel this CPU runs (`embed.*.kernel.<name>`), sharing the model's weights.
    let kernelEngines: [PackedKernel: InferenceEngine]
    let short: [[Int32]]
    let medium: [[Int32]]
    let long: [[Int32]]
    let queries: [[Int32]]

    init() throws {
        let directory = BenchPaths.modelDirectory
        let model = try EmbeddingModel(directory: directory)
        // SMALLY_THREADS as `smally bench` reads it (a malformed value stops the run).
        var reader = EnvironmentReader(ProcessInfo.processInfo.environment)
        let settings = try EngineSettings(reading: &reader)
        engine = InferenceEngine(model: model, threads: settings.threads, kernel: try PackedKernel.resolve(settings.kernel))
        kernelEngines = Dictionary(uniqueKeysWithValues: PackedKernel.allCases.filter(\.isAvailable).map {
            ($0, InferenceEngine(model: model, threads: settings.threads, kernel: $0))
        })
        let tokenizer = model.tokenizer
        short = [tokenizer.encode(BenchTexts.short).ids]
        medium = [tokenizer.encode(BenchTexts.medium).ids]
        long = [tokenizer.encode(BenchTexts.long).ids]
        queries = BenchTexts.batch32.map { tokenizer.encode($0).ids }
        // Buffers sized and weights paged in before the first measured call.
        _ = try engine.embedSynchronously(tokenIDs: long)
        _ = try engine.embedSynchronously(tokenIDs: queries)
        for kernelEngine in kernelEngines.values { _ = try kernelEngine.embedSynchronously(tokenIDs: queries) }
    }
}

let benchmarks: @Sendable () -> Void = {
    let state = Fixture<InferenceState>()
    let setup: Benchmark.BenchmarkSetupHook = {
        state.set(try InferenceState())
        benchNoteOnce("threads", "InferenceBenchmarks: \(state.value.engine.threads) thread(s), \(state.value.engine.kernel) kernel, model \(state.value.engine.model.name)")
    }
    let teardown: Benchmark.BenchmarkTeardownHook = { state.clear() }

    func configuration(maxDuration: Duration, maxIterations: Int) -> Benchmark.Configuration {
        BenchSettings.configuration(
            warmupIterations: 3, maxDuration: maxDuration, maxIterations: maxIterations, setup: setup, teardown: teardown)
    }

    func embedBenchmark(_ name: String, maxDuration: Duration = .seconds(2), maxIterations: Int = 500,
                        _ input: @escaping (InferenceState) -> [[Int32]]) {
        Benchmark(name, configuration: configuration(maxDuration: maxDuration, maxIterations: maxIterations)) { _ in
            let s = state.value
            blackHole(try s.engine.embedSynchronously(tokenIDs: input(s)))
        }
    }

    // Single texts: 6, 18 and 46 tokens.
    embedBenchmark("embed.single.short") { $0.short }
    embedBenchmark("embed.single.medium20") { $0.medium }
    embedBenchmark("embed.single.long50") { $0.long }

    // Batches of short queries (padded to the longest in the batch, 9 tokens for 32).
    for size in [1, 5, 10, 32] {
        embedBenchmark("embed.batch\(size)", maxDuration: .seconds(size >= 10 ? 3 : 2), maxIterations: 300) {
            Array($0.queries.prefix(size))
        }
    }

    // Each kernel this CPU runs (SMALLY_KERNEL), on a long text and a batch of 32: the kernel's own
    // figures, side by side in one run.
    for kernel in PackedKernel.allCases where kernel.isAvailable {
        for (workload, input) in [("single.long50", \InferenceState.long), ("batch32", \InferenceState.queries)] {
            Benchmark("embed.\(workload).kernel.\(kernel)", configuration: configuration(maxDuration: .seconds(3), maxIterations: 300)) { _ in
                let s = state.value
                blackHole(try s.kernelEngines[kernel]!.embedSynchronously(tokenIDs: s[keyPath: input]))
            }
        }
    }

    // Normalisation on/off for a batch of 32: `embed.batch32` above is "off"; this one adds
    // `l2Normalized` to every vector, as /v1/embed does for `"normalize": true`.
    Benchmark("embed.batch32.normalized", configuration: configuration(maxDuration: .seconds(3), maxIterations: 300)) { _ in
        let s = state.value
        blackHole(try s.engine.embedSynchronously(tokenIDs: s.queries).map(l2Normalized))
    }

    // The normalisation alone, for 32 vectors (the difference between the two above).
    Benchmark(
        "l2Normalized.32x384",
        configuration: BenchSettings.configuration(warmupIterations: 10, maxDuration: .seconds(1), maxIterations: 20_000)
    ) { _ in
        blackHole(normalizationInput.map(l2Normalized))
    }
}

/// 32 vectors of 384 floats, like a batch's pooled output.
let normalizationInput: [[Float]] = {
    var rng = SplitMix64(seed: 32)
    return (0..<32).map { _ in syntheticEmbedding(using: &rng) }
}()
