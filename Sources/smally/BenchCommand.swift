import ArgumentParser
import Foundation
import SmallyConfiguration
import SmallyEngine
import SmallyJSON

/// `smally bench`: the engine on the workloads of a scenarios file (same format and same two
/// timings as the ONNX Runtime peer script), so the two can be compared on one machine.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the engine on the workloads of a scenarios file (median/p95 latency, texts/s)."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Scenarios file ({\"scenarios\": [{name, texts, calls, warmup}]}).")
    var scenarios = "bench/scenarios.json"

    @Option(help: "Comma-separated scenario names to run (default: all).")
    var only: String?

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    @Option(help: ArgumentHelp("Comma-separated precisions to time, each scenario in turn (default: $SMALLY_PRECISION).",
                               discussion: "`fp32,int8` loads the model twice and times them call by call in turn (each line after the first adds its speed against the first: the median ratio of paired calls); JSON keys of non-fp32 results end in @int8."))
    var precision: String?

    @Option(help: ArgumentHelp("Force the int8 kernel (\(Int8Kernel.allCases.map(\.rawValue).joined(separator: ", "))).",
                               discussion: "Default: the int8 kernel of SMALLY_KERNEL's family. `avx2` times the AVX2 int8 path on a VNNI CPU."))
    var int8Kernel: String?

    struct Scenario {
        var name: String
        var texts: [String]
        var calls: Int
        var warmup: Int
    }

    func run() async throws {
        let list = try loadScenarios()
        let engines = try loadEngines()
        let engine = engines[0]
        var results: [(name: String, run: BenchTiming, full: BenchTiming, speedup: Double?)] = []
        StandardError.print("smally bench: \(list.count) scenarios, \(engine.threads) threads, \(engine.kernel) kernel (int8: \(engine.int8Kernel)), model \(engine.model.name), "
                            + engines.map { "\($0.model.precision)" }.joined(separator: " and "))
        for scenario in list {
            // Several precisions are timed call by call in turn (ABBA order), so a noisy neighbour slows
            // them alike; `run`: the encoder on pre-tokenized input, `full`: tokenization + encoder.
            let ids = engines.map { engine in scenario.texts.map { engine.model.tokenizer.encode($0).ids } }
            let runs = try BenchTiming.measureInterleaved(warmup: scenario.warmup, calls: scenario.calls, texts: scenario.texts.count,
                                                          engines.indices.map { index in { _ = try engines[index].embedSynchronously(tokenIDs: ids[index]) } })
            let fulls = try BenchTiming.measureInterleaved(warmup: scenario.warmup, calls: scenario.calls, texts: scenario.texts.count,
                                                           engines.map { engine in {
                                                               _ = try engine.embedSynchronously(tokenIDs: scenario.texts.map { engine.model.tokenizer.encode($0).ids })
                                                           } })
            for (index, engine) in engines.enumerated() {
                let (run, full) = (runs[index], fulls[index])
                let name = engine.model.precision == .fp32 ? scenario.name : "\(scenario.name)@\(engine.model.precision)"
                results.append((name, run, full, index > 0 ? BenchTiming.pairedSpeedup(runs[0], run) : nil))
                let label = name.padding(toLength: 19, withPad: " ", startingAt: 0)
                var line = label + String(format: " run: %7.3f ms median, %7.3f p95, %8.1f texts/s | full: %7.3f ms, %8.1f texts/s",
                                          run.medianMilliseconds, run.p95Milliseconds, run.textsPerSecond,
                                          full.medianMilliseconds, full.textsPerSecond)
                if let speedup = results.last?.speedup {
                    line += String(format: " | %.2fx ", speedup) + "\(engines[0].model.precision) (median of paired calls)"
                }
                print(line)
            }
        }
        if let json {
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("engine"); writer.string("smally \(SmallyVersion.string)")
            writer.key("blas"); writer.string("BLIS (cblas)")
            writer.key("threads"); writer.int(engine.threads)
            writer.key("kernel"); writer.string(engine.kernel.rawValue)
            writer.key("int8_kernel"); writer.string(engine.int8Kernel.rawValue)
            writer.key("precisions"); writer.beginArray()
            for engine in engines { writer.string(engine.model.precision.rawValue) }
            writer.endArray()
            writer.key("scenarios"); writer.beginObject()
            for (name, run, full, speedup) in results {
                writer.key(name); writer.beginObject()
                writer.key("run"); run.write(to: &writer)
                writer.key("full"); full.write(to: &writer)
                if let speedup {
                    writer.key("speedup_vs_\(engines[0].model.precision.rawValue)"); writer.double(speedup)
                }
                writer.endObject()
            }
            writer.endObject()
            writer.endObject()
            try Data(writer.bytes).write(to: URL(fileURLWithPath: json))
        }
    }

    /// One engine per precision asked for (`--precision`, else the configured one).
    private func loadEngines() throws -> [InferenceEngine] {
        var settings = try modelOptions.settings()
        let names = precision.map { $0.split(separator: ",").map(String.init) } ?? [settings.precision]
        var forced: Int8Kernel?
        if let int8Kernel {
            guard let kernel = Int8Kernel(rawValue: int8Kernel), kernel.isAvailable else {
                throw ValidationError("--int8-kernel: '\(int8Kernel)' is not an int8 kernel this CPU runs")
            }
            forced = kernel
        }
        var engines: [InferenceEngine] = []
        for name in names {
            guard ModelSource.precisions.contains(name) else {
                throw ValidationError("--precision: '\(name)' is not one of \(ModelSource.precisions.joined(separator: ", "))")
            }
            settings.precision = name
            settings.models = settings.sources.map { ModelSource(name: $0.name, directory: $0.directory) }
            guard settings.sources.count == 1 else { throw ValidationError("bench uses one model") }
            engines.append(try ModelOptions.loadEngines(settings, int8Kernel: forced)[0].engine)
        }
        return engines
    }

    private func loadScenarios() throws -> [Scenario] {
        guard let data = FileManager.default.contents(atPath: scenarios) else {
            throw ValidationError("cannot read scenarios file \(scenarios)")
        }
        // Cold path: the scenario file is read once per `smally bench` run and `as?` casts say it in fewer lines, Foundation is simpler here.
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let items = root["scenarios"] as? [[String: Any]] else {
            throw ValidationError("\(scenarios): expected {\"scenarios\": [...]}")
        }
        let wanted = only.map { Set($0.split(separator: ",").map(String.init)) }
        var list: [Scenario] = []
        for (index, item) in items.enumerated() {
            guard let name = item["name"] as? String, let texts = item["texts"] as? [String], !texts.isEmpty,
                  let calls = item["calls"] as? Int, calls > 0 else {
                throw ValidationError("\(scenarios): scenario \(index) needs name, non-empty texts and calls > 0")
            }
            if let wanted, !wanted.contains(name) { continue }
            list.append(Scenario(name: name, texts: texts, calls: calls, warmup: (item["warmup"] as? Int) ?? 10))
        }
        if list.isEmpty { throw ValidationError("no scenario selected from \(scenarios)") }
        return list
    }
}

/// Latency distribution and throughput of repeated calls, computed like the peer script does
/// (linear-interpolated percentiles; throughput = texts / total wall time).
struct BenchTiming {
    var medianMilliseconds: Double
    var p95Milliseconds: Double
    var textsPerSecond: Double
    var calls: Int

    /// Each call's latency in seconds, in call order.
    var latencies: [Double]

    /// Times several bodies call by call in turn, the order reversed every round (A B, B A, …), so that
    /// a slow spell of the machine falls on all of them; throughput = texts / the body's own time.
    static func measureInterleaved(warmup: Int, calls: Int, texts: Int, _ bodies: [() throws -> Void]) throws -> [BenchTiming] {
        for body in bodies {
            for _ in 0..<warmup { try body() }
        }
        var latencies = [[Double]](repeating: [], count: bodies.count)
        for index in latencies.indices { latencies[index].reserveCapacity(calls) }
        let clock = ContinuousClock()
        for call in 0..<calls {
            for step in bodies.indices {
                let index = call % 2 == 0 ? step : bodies.count - 1 - step
                let t0 = clock.now
                try bodies[index]()
                latencies[index].append(Self.seconds(clock.now - t0))
            }
        }
        return latencies.map { times in
            BenchTiming(
                medianMilliseconds: percentile(times, 50) * 1e3,
                p95Milliseconds: percentile(times, 95) * 1e3,
                textsPerSecond: Double(calls * texts) / times.reduce(0, +),
                calls: calls,
                latencies: times
            )
        }
    }

    /// How many times faster `other` ran than `base`: the median over rounds of base's call time over
    /// other's call time in the same round (both measured by one `measureInterleaved`).
    static func pairedSpeedup(_ base: BenchTiming, _ other: BenchTiming) -> Double {
        let ratios = zip(base.latencies, other.latencies).map { $0 / $1 }
        return ratios.isEmpty ? .nan : percentile(ratios, 50)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        let k = Double(sorted.count - 1) * p / 100
        let f = Int(k)
        let c = min(f + 1, sorted.count - 1)
        return sorted[f] + (sorted[c] - sorted[f]) * (k - Double(f))
    }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("median_ms"); writer.double(medianMilliseconds)
        writer.key("p95_ms"); writer.double(p95Milliseconds)
        writer.key("texts_per_s"); writer.double(textsPerSecond)
        writer.key("calls"); writer.int(calls)
        writer.endObject()
    }
}
