import Benchmark
import Foundation

/// Where things are, independent of the directory the benchmark tool starts a suite in.
public enum BenchPaths {
    /// The repository root (`Benchmarks/Support/` is two levels below it).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // Benchmarks
        .deletingLastPathComponent()  // repository root
        .standardizedFileURL

    /// `$SMALLY_MODEL_DIR` (a relative value is taken from the repository root), else
    /// `models/all-MiniLM-L6-v2` in the repository (`make model` installs it there).
    public static var modelDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["SMALLY_MODEL_DIR"], !override.isEmpty {
            if override.hasPrefix("/") { return URL(fileURLWithPath: override) }
            return repositoryRoot.appendingPathComponent(override)
        }
        return repositoryRoot.appendingPathComponent("models/all-MiniLM-L6-v2")
    }

    public static var tokenizerFile: URL { modelDirectory.appendingPathComponent("tokenizer.json") }
}

/// Texts from `bench/scenarios.json` (token counts include [CLS]/[SEP]).
public enum BenchTexts {
    /// 6 tokens.
    public static let short = "how to reset password"
    /// "single_medium": 18 tokens.
    public static let medium = "How can I change the email address associated with my account on the mobile app?"
    /// "single_long": 46 tokens.
    public static let long = "After upgrading to the latest version of the operating system, my laptop no longer connects to the office wireless network, and the troubleshooting wizard keeps reporting that the driver is missing even though I reinstalled it twice."
    /// "batch32_short": 32 search-style queries, 9 tokens each once padded.
    public static let batch32 = [
        "how to reset password", "best pizza near me", "python list comprehension", "weather tomorrow",
        "what is the capital of france", "symptoms of flu", "cheap flights to tokyo", "convert pdf to word",
        "machine learning tutorial", "who wrote hamlet", "reset my password", "refund policy",
        "login not working", "install docker ubuntu", "sql join example", "nearest hospital",
        "how do i cancel my subscription", "difference between tcp and udp", "is it going to rain",
        "translate hello to spanish", "why is the sky blue", "open a bank account", "track my order",
        "change shipping address", "update credit card", "delete my account", "contact customer support",
        "reset router", "battery draining fast", "print to pdf", "recover deleted files", "speed up laptop",
    ]
}

/// Benchmark settings shared by the suites.
///
/// Two kinds of numbers are involved (package-benchmark's own terms):
/// - *static thresholds*: the goals, p90 values per metric in `Benchmarks/Thresholds/<Target>.<Name>.p90.json`,
///   checked by `swift package benchmark thresholds check`;
/// - *tolerances* (the `thresholds:` of a `Benchmark.Configuration`): how far a result may move before a
///   comparison (`baseline check`, `thresholds check`) calls it a regression or an improvement.
///
/// Comparing two runs needs slack for noise (±10–15 % on a shared 2-core machine), but a goal is a hard
/// upper bound. So the benchmarks that have a goal get a zero p90 tolerance when `SMALLY_BENCH_GOALS=1`
/// (set by `scripts/performance/bench.sh check`): then `thresholds check` fails (exit 2) exactly when a
/// p90 is above its goal, and answers "better than the thresholds" (exit 4) when every goal is beaten.
public enum BenchSettings {
    /// `SMALLY_BENCH_GOALS=1`: judge goal benchmarks strictly against `Thresholds/` (see above).
    public static let goalMode: Bool = ProcessInfo.processInfo.environment["SMALLY_BENCH_GOALS"] == "1"

    /// Instructions (perf events) only with `SMALLY_BENCH_INSTRUCTIONS=1`, for machines that have them
    /// (a CI runner with a PMU). On Linux, asking for them makes the harness read OS statistics inside every
    /// measured iteration: +16 mallocs per iteration in `mallocCountTotal` and extra wall-clock time, even
    /// where perf events are unavailable (as on this project's VMs, which report no instructions at all).
    public static let measuresInstructions: Bool =
        ProcessInfo.processInfo.environment["SMALLY_BENCH_INSTRUCTIONS"] == "1"

    public static var metrics: [BenchmarkMetric] {
        measuresInstructions ? [.wallClock, .mallocCountTotal, .instructions] : [.wallClock, .mallocCountTotal]
    }

    /// Tolerances for run-to-run comparisons (`baseline check`).
    /// - wall clock: 20 % at p50, 30 % at p90 (the machine is shared and noisy);
    /// - mallocs: 5 % at p50 and p90 (counts are deterministic for synchronous code: a new
    ///   allocation in a hot path shows up as a regression);
    /// - instructions: 5 % at p50 (stable, and what CI should watch).
    public static var comparisonTolerances: [BenchmarkMetric: BenchmarkThresholds] {
        var tolerances: [BenchmarkMetric: BenchmarkThresholds] = [
            .wallClock: .init(relative: [.p50: 20, .p90: 30]),
            .mallocCountTotal: .init(relative: [.p50: 5, .p90: 5]),
        ]
        if measuresInstructions { tolerances[.instructions] = .init(relative: [.p50: 5]) }
        return tolerances
    }

    /// Looser tolerances for paths with I/O and concurrency (Redis), whose allocation counts vary.
    public static var ioTolerances: [BenchmarkMetric: BenchmarkThresholds] {
        var tolerances: [BenchmarkMetric: BenchmarkThresholds] = [
            .wallClock: .init(relative: [.p50: 35, .p90: 50]),
            .mallocCountTotal: .init(relative: [.p50: 15, .p90: 25]),
        ]
        if measuresInstructions { tolerances[.instructions] = .init(relative: [.p50: 15]) }
        return tolerances
    }

    /// Tolerances for a benchmark that has a goal in `Thresholds/`: the comparison tolerances normally,
    /// zero at p90 for wall clock and mallocs in goal mode (so the static p90 is a hard limit).
    public static var goalTolerances: [BenchmarkMetric: BenchmarkThresholds] {
        guard goalMode else { return comparisonTolerances }
        return [
            .wallClock: .init(absolute: [.p90: 0]),
            .mallocCountTotal: .init(absolute: [.p90: 0]),
        ]
    }

    /// A configuration with the shared metrics and tolerances.
    public static func configuration(
        scalingFactor: BenchmarkScalingFactor = .one,
        warmupIterations: Int = 3,
        maxDuration: Duration = .seconds(1),
        maxIterations: Int = 10_000,
        hasGoal: Bool = false,
        tolerances: [BenchmarkMetric: BenchmarkThresholds]? = nil,
        setup: Benchmark.BenchmarkSetupHook? = nil,
        teardown: Benchmark.BenchmarkTeardownHook? = nil
    ) -> Benchmark.Configuration {
        .init(
            metrics: metrics,
            warmupIterations: warmupIterations,
            scalingFactor: scalingFactor,
            maxDuration: maxDuration,
            maxIterations: maxIterations,
            thresholds: tolerances ?? (hasGoal ? goalTolerances : comparisonTolerances),
            setup: setup,
            teardown: teardown
        )
    }
}

/// Deterministic pseudo-random numbers (SplitMix64), so every run measures the same keys and mixes.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A 384-float vector with values spread like a sentence embedding's (about ±0.15).
public func syntheticEmbedding(dimension: Int = 384, using rng: inout SplitMix64) -> [Float] {
    (0..<dimension).map { _ in Float.random(in: -0.15...0.15, using: &rng) }
}

/// Prints a line to stderr (stdout may carry the tool's machine-readable output).
public func benchNote(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Like `benchNote`, but once per benchmark run: the tool starts a suite's executable once to list its
/// benchmarks and once more for every benchmark, all as children of the same process, so a marker file
/// named after the parent's pid keeps the note from repeating.
public func benchNoteOnce(_ tag: String, _ message: String) {
    let marker = FileManager.default.temporaryDirectory
        .appendingPathComponent("smally-bench-\(getppid())-\(tag).note").path
    let fd = open(marker, O_CREAT | O_EXCL | O_WRONLY, 0o644)
    guard fd >= 0 else { return }
    close(fd)
    benchNote(message)
}

/// A mutable box for state that a suite sets up in a `setup` hook and reads in the measured closure.
/// Each benchmark runs in its own process, one closure at a time, so no locking is needed.
public final class Fixture<Value>: @unchecked Sendable {
    private var stored: Value?

    public init() {}

    public var value: Value {
        guard let stored else { fatalError("benchmark fixture used before its setup hook ran") }
        return stored
    }

    public func set(_ value: Value) { stored = value }
    public func clear() { stored = nil }
}
