// swift-tools-version: 6.1
//
// Smally's micro-benchmarks (ordo-one/package-benchmark), kept out of the root package so that the root
// build and CI tests never compile the benchmark plugin and its dependencies.
//
//   swift package --package-path Benchmarks benchmark                 # all suites
//   swift package --package-path Benchmarks benchmark --target CacheBenchmarks
//   scripts/performance/bench.sh help                                # the wrapper the Makefile calls
//
// Suites live in `Benchmarks/<Name>/` (the plugin only picks up executable targets whose folder sits in a
// folder named `Benchmarks`). Static goals are in `Thresholds/`; see README.md.
import PackageDescription

// The benchmark package's default traits pull `swift-runtime-interposer` on Linux + Swift 6.3, which is not
// available here; "MallocInterposer" alone keeps the malloc counters (mallocCountTotal) working.
let benchmarkDependency: Package.Dependency = .package(
    url: "https://github.com/ordo-one/benchmark",
    from: "1.38.1",
    traits: ["MallocInterposer"]
)

let benchmarkTargetDependencies: [Target.Dependency] = [
    "BenchmarkSupport",
    .product(name: "Benchmark", package: "benchmark"),
]

let benchmarkPlugins: [Target.PluginUsage] = [
    .plugin(name: "BenchmarkPlugin", package: "benchmark"),
]

let package = Package(
    name: "SmallyBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Smally", path: ".."),
        benchmarkDependency,
        // Already in the root package's graph (same version); declared for the Logger that RedisClient takes.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Paths, texts from bench/scenarios.json, tolerances and goals shared by the suites.
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Support"
        ),
        // LRUCache (L1) put/get/miss/mixed at 100, 1k, 10k entries; TieredEmbeddingCache over Redis (REDIS_URL).
        // SmallyCache is not a product of the root package: it is reached through SmallyServer, which depends on it.
        .executableTarget(
            name: "CacheBenchmarks",
            dependencies: benchmarkTargetDependencies + [
                .product(name: "SmallyServer", package: "Smally"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "CacheBenchmarks",
            plugins: benchmarkPlugins
        ),
        // WordPieceTokenizer on short / ~20-token / ~50-token texts and a batch of 32 queries.
        .executableTarget(
            name: "TokenizerBenchmarks",
            dependencies: benchmarkTargetDependencies + [
                .product(name: "SmallyTokenizer", package: "Smally"),
            ],
            path: "TokenizerBenchmarks",
            plugins: benchmarkPlugins
        ),
        // InferenceEngine.embedSynchronously: single texts, batches of 1/5/10/32, normalisation on/off.
        .executableTarget(
            name: "InferenceBenchmarks",
            dependencies: benchmarkTargetDependencies + [
                .product(name: "SmallyEngine", package: "Smally"),
                .product(name: "SmallyConfiguration", package: "Smally"),
            ],
            path: "InferenceBenchmarks",
            plugins: benchmarkPlugins
        ),
        // The /v1/embed path without the network: decode, then SmallyCore's EmbeddingService (tokenize, key,
        // L1 hit), normalise, JSONWriter. SmallyCache and SmallyJSON are reached through SmallyServer (not
        // products of the root package).
        .executableTarget(
            name: "RequestBenchmarks",
            dependencies: benchmarkTargetDependencies + [
                .product(name: "SmallyEngine", package: "Smally"),
                .product(name: "SmallyTokenizer", package: "Smally"),
                .product(name: "SmallyCore", package: "Smally"),
                .product(name: "SmallyServer", package: "Smally"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "RequestBenchmarks",
            plugins: benchmarkPlugins
        ),
    ]
)
