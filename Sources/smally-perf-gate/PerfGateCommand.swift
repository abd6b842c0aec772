import ArgumentParser
import Foundation
import SmallyJSON
import SmallyPerfGate

/// `smally-perf-gate`: the CI regression gate (scripts/test.sh). Times a subset of hot paths against
/// a calibration loop run in the same process, and compares the ratios with the reference kept in
/// `Benchmarks/Gate/thresholds.json` (one-sided Mann-Whitney U at the file's alpha, beyond each
/// benchmark's tolerance). Exit 0: no regression; 3: a significant regression; other: an error.
@main
struct PerfGateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smally-perf-gate",
        abstract: "Regression gate: hot paths timed against a calibration loop, tested against the repository's reference."
    )

    @Option(help: "The reference and tolerances.")
    var thresholds = "Benchmarks/Gate/thresholds.json"

    @Option(help: "Model folder (the tokenizer, engine and core workloads use it).")
    var model = "models/all-MiniLM-L6-v2"

    @Option(help: "Texts file (one per line, '#' lines ignored); the first 32 are used.")
    var queries = "scripts/performance/queries.txt"

    @Option(help: "Samples per benchmark.")
    var rounds = 20

    @Option(help: "Only this benchmark (repeatable).")
    var only: [String] = []

    @Option(name: .customLong("slow-down"), help: "NAME=FACTOR: stretch NAME's measured time (tests the gate itself).")
    var slowDown: [String] = []

    @Flag(help: "Measure and write a new reference into --thresholds (tolerance from --tolerance).")
    var record = false

    @Option(help: "Tolerance factor written by --record.")
    var tolerance = 1.5

    @Option(help: "Also write this run's samples as JSON (for reports).")
    var json: String?

    func run() async throws {
        let started = ContinuousClock.now
        let slowdown = try Dictionary(uniqueKeysWithValues: slowDown.map { item in
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let factor = Double(parts[1]), factor >= 1 else {
                throw ValidationError("--slow-down wants NAME=FACTOR with FACTOR ≥ 1, got '\(item)'")
            }
            return (parts[0], factor)
        })
        var workloads = try GateWorkloads.make(modelDirectory: URL(fileURLWithPath: model),
                                               queriesFile: URL(fileURLWithPath: queries))
        if !only.isEmpty {
            let unknown = Set(only).subtracting(workloads.map(\.name))
            guard unknown.isEmpty else { throw ValidationError("unknown benchmark(s): \(unknown.sorted().joined(separator: ", "))") }
            workloads = workloads.filter { only.contains($0.name) }
        }
        var sampler = GateSampler(rounds: rounds, slowdown: slowdown)
        let progress: (Int) -> Void = { round in
            if round % 5 == 0 || round == rounds { print("  round \(round)/\(rounds)") }
        }

        if record {
            var planned: [(workload: GateWorkload, repetitions: Int)] = []
            for workload in workloads { planned.append((workload, try await repetitions(for: workload))) }
            print("smally-perf-gate: recording \(rounds) rounds of \(planned.count) benchmarks")
            let samples = try await sampler.measure(planned, progress: progress)
            let file = GateThresholds(alpha: 0.05, recorded: Self.machineNote(), entries: planned.map {
                GateThresholds.Entry(name: $0.workload.name, repetitions: $0.repetitions, tolerance: tolerance,
                                     reference: samples[$0.workload.name]?.ratios ?? [])
            })
            try Data(file.json()).write(to: URL(fileURLWithPath: thresholds))
            print("smally-perf-gate: wrote \(thresholds) in \(started.duration(to: .now))")
            return
        }

        let reference = try GateThresholds(json: Array(try Data(contentsOf: URL(fileURLWithPath: thresholds))))
        var planned: [(workload: GateWorkload, repetitions: Int)] = []
        for workload in workloads {
            guard let entry = reference.entries.first(where: { $0.name == workload.name }) else {
                throw ValidationError("\(workload.name) has no reference in \(thresholds): record it (--record)")
            }
            planned.append((workload, entry.repetitions))
        }
        print("smally-perf-gate: \(rounds) rounds of \(planned.count) benchmarks; reference: \(reference.recorded)")
        if let cpu = Self.machineNote().split(separator: ",").first, !reference.recorded.hasPrefix(String(cpu)) {
            print("smally-perf-gate: note: the reference was recorded on another CPU; calibration evens out its speed, the "
                  + "tolerance its balance (caches, memory); if a benchmark is off on every run here, record it here (gate.sh --record)")
        }
        if !reference.recorded.contains(Self.buildKind) {
            print("smally-perf-gate: warning: the reference was not recorded on a \(Self.buildKind); ratios are not comparable")
        }
        let samples = try await sampler.measure(planned, progress: progress)

        var regressions: [String] = []
        var verdicts: [String: GateVerdict] = [:]
        print("benchmark                     ratio  95% interval     p(slower)  tolerance  verdict")
        for (workload, _) in planned {
            let entry = reference.entries.first { $0.name == workload.name }!
            let current = samples[workload.name]?.ratios ?? []
            let verdict = GateDecision.decide(reference: entry.reference, current: current, tolerance: entry.tolerance,
                                              alpha: reference.alpha)
            let line = workload.name.padding(toLength: 28, withPad: " ", startingAt: 0)
                + String(format: " %5.2fx  %5.2f–%5.2fx  %10.2g  %8.2fx  ", verdict.medianRatio, verdict.ratioLow,
                         verdict.ratioHigh, verdict.pSlower, entry.tolerance)
                + Self.describe(verdict.outcome)
            print(line)
            verdicts[workload.name] = verdict
            if verdict.outcome == .regression { regressions.append(workload.name) }
        }
        if let json { try write(samples, verdicts: verdicts, reference: reference, to: json) }
        print("smally-perf-gate: one-sided Mann-Whitney U, alpha \(reference.alpha); took \(started.duration(to: .now))")
        if !regressions.isEmpty {
            print("smally-perf-gate: REGRESSION in \(regressions.joined(separator: ", "))")
            throw ExitCode(3)
        }
        print("smally-perf-gate: no significant regression")
    }

    /// Repetitions that make one chunk of a sample last about 0.5 ms here (the calibration loop's length).
    private func repetitions(for workload: GateWorkload) async throws -> Int {
        let clock = ContinuousClock()
        var best = Duration.seconds(1)
        for _ in 0..<5 {
            let start = clock.now
            try await workload.body()
            best = min(best, clock.now - start)
        }
        let seconds = Double(best.components.attoseconds) * 1e-18 + Double(best.components.seconds)
        return max(1, Int((0.0005 / max(seconds, 1e-9)).rounded()))
    }

    /// This run for `make bench-report`: per benchmark the samples, the reference and the verdict.
    private func write(_ samples: [String: GateSamples], verdicts: [String: GateVerdict], reference: GateThresholds,
                       to path: String) throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("machine"); writer.string(Self.machineNote())
        writer.key("reference_recorded"); writer.string(reference.recorded)
        writer.key("alpha"); writer.double(reference.alpha)
        writer.key("benchmarks"); writer.beginArray()
        for entry in reference.entries {
            guard let current = samples[entry.name], let verdict = verdicts[entry.name] else { continue }
            writer.beginObject()
            writer.key("name"); writer.string(entry.name)
            writer.key("repetitions"); writer.int(entry.repetitions)
            writer.key("tolerance"); writer.double(entry.tolerance)
            writer.key("reference"); writer.beginArray(); for value in entry.reference { writer.double(value) }; writer.endArray()
            writer.key("ratios"); writer.beginArray(); for value in current.ratios { writer.double(value) }; writer.endArray()
            writer.key("seconds"); writer.beginArray(); for value in current.seconds { writer.double(value) }; writer.endArray()
            writer.key("calibration_seconds"); writer.beginArray()
            for value in current.calibrationSeconds { writer.double(value) }
            writer.endArray()
            writer.key("verdict"); writer.string(verdict.outcome.rawValue)
            writer.key("median_ratio"); writer.double(verdict.medianRatio)
            writer.key("ratio_low"); writer.double(verdict.ratioLow)
            writer.key("ratio_high"); writer.double(verdict.ratioHigh)
            writer.key("p_slower"); writer.double(verdict.pSlower)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        try Data(writer.bytes).write(to: URL(fileURLWithPath: path))
    }

    private static func describe(_ outcome: GateVerdict.Outcome) -> String {
        switch outcome {
        case .pass: "ok"
        case .regression: "REGRESSION"
        case .faster: "faster (record the reference again)"
        }
    }

    /// "CPU model, N CPUs, debug build, date" for the reference file.
    static func machineNote() -> String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown CPU"
        return "\(model), \(ProcessInfo.processInfo.activeProcessorCount) CPUs, \(buildKind), \(Date())"
    }

    #if DEBUG
    static let buildKind = "debug build"
    #else
    static let buildKind = "release build"
    #endif
}
