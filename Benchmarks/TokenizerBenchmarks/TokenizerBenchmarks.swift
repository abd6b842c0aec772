import Benchmark
import BenchmarkSupport
import Foundation
import SmallyTokenizer

// WordPieceTokenizer loaded from the model's tokenizer.json (models/all-MiniLM-L6-v2, or SMALLY_MODEL_DIR).
// The texts are the ones in bench/scenarios.json. Single-text benchmarks do 1,000 encodes per measured
// iteration (`scalingFactor: .kilo`, read them with `--scale`), so the clock and counter reads around each
// iteration do not weigh on microsecond results.
// Goal: encode.short ≤ 2 µs at p90, i.e. 2,000,000 ns per 1,000 (Thresholds/TokenizerBenchmarks.encode.short.p90.json).

let benchmarks: @Sendable () -> Void = {
    let tokenizer = Fixture<WordPieceTokenizer>()
    let setup: Benchmark.BenchmarkSetupHook = {
        let file = BenchPaths.tokenizerFile
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw SetupError(message: "\(file.path) not found: run `make model` or set SMALLY_MODEL_DIR")
        }
        tokenizer.set(try WordPieceTokenizer(contentsOf: file))
    }

    func encodeBenchmark(_ name: String, _ text: String, hasGoal: Bool = false) {
        Benchmark(
            name,
            configuration: BenchSettings.configuration(
                scalingFactor: .kilo, warmupIterations: 3, maxDuration: .seconds(1), maxIterations: 1_000,
                hasGoal: hasGoal, setup: setup)
        ) { benchmark in
            let t = tokenizer.value
            for _ in benchmark.scaledIterations {
                blackHole(t.encode(text))
            }
        }
    }

    // "how to reset password": [CLS] + 4 words + [SEP] = 6 ids.
    encodeBenchmark("encode.short", BenchTexts.short, hasGoal: true)
    // 18 ids.
    encodeBenchmark("encode.medium20", BenchTexts.medium)
    // 46 ids.
    encodeBenchmark("encode.long50", BenchTexts.long)

    // 32 short queries, one after the other (what a batch request does before the cache lookup).
    Benchmark(
        "encode.batch32",
        configuration: BenchSettings.configuration(
            warmupIterations: 20, maxDuration: .seconds(1), maxIterations: 5_000, setup: setup)
    ) { _ in
        let t = tokenizer.value
        for text in BenchTexts.batch32 {
            blackHole(t.encode(text))
        }
    }

    // Start-up cost: reading and parsing the 466 kB tokenizer.json (30k-entry vocabulary).
    Benchmark(
        "load.tokenizerJSON",
        configuration: BenchSettings.configuration(warmupIterations: 1, maxDuration: .seconds(2), maxIterations: 30, setup: setup)
    ) { _ in
        blackHole(try WordPieceTokenizer(contentsOf: BenchPaths.tokenizerFile))
    }
}

struct SetupError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
