// swift-tools-version: 6.1
import PackageDescription

// The hot loops are C kernels that pick their instruction set at run time (CPackedGEMM: products,
// element-wise passes, short attention), so the Swift code is built for the architecture's baseline
// and one binary runs on any x86-64 CPU. `SMALLY_TARGET_CPU=haswell swift build` (or a later LLVM CPU
// name) builds the hot Swift targets for that CPU instead; measured, it gains nothing now
// (docs/performance-log.md, "All hot loops on the chosen path"). Such a binary checks at start that
// the CPU has at least AVX2 and FMA, instead of dying of SIGILL.
let targetCPU: String? = Context.environment["SMALLY_TARGET_CPU"]
#if arch(x86_64)
let cpuRequirement: [SwiftSetting] = targetCPU.map { $0 != "x86-64" } == true ? [.define("SMALLY_NEEDS_AVX2_FMA")] : []
#else
let cpuRequirement: [SwiftSetting] = []
#endif
let hotPathSettings: [SwiftSetting] = [
    .unsafeFlags((targetCPU.map { ["-target-cpu", $0] } ?? []) + ["-O"]),
]

// Async functions run on their caller's executor instead of hopping to the generic one on every
// call (SE-0461). The request path is a chain of such calls, and on NIO's event loops each hop
// was a job of its own.
let requestPathSettings: [SwiftSetting] = [
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
    name: "Smally",
    // Linux only: the encoder's kernels and the inference threads use Linux x86-64 facilities
    // (AVX2/FMA C kernels, sched affinity); no Apple platform is declared because none builds.
    products: [
        .executable(name: "smally", targets: ["smally"]),
        .library(name: "SmallyTokenizer", targets: ["SmallyTokenizer"]),
        .library(name: "SmallyEngine", targets: ["SmallyEngine"]),
        .library(name: "SmallyCore", targets: ["SmallyCore"]),
        .library(name: "SmallyServer", targets: ["SmallyServer"]),
        .library(name: "SmallyConfiguration", targets: ["SmallyConfiguration"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        // The web console's server-rendered pages (no dependencies of its own: cheap in CI).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // Already in the graph through postgres-nio: naming it costs no extra build. TLS to Redis.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // The tracing API (spans, W3C context in task locals). Already in the graph through
        // Hummingbird, so it costs CI nothing; the OTLP exporter is our own (SmallyTracing).
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
    ],
    targets: [
        // BLIS's CBLAS interface (apt `libblis-dev`): products spread over several threads, attention.
        .systemLibrary(
            name: "CBLAS",
            providers: [.apt(["libblis-dev"])]
        ),
        // The encoder's kernels: single-threaded products against weights packed once at load time,
        // the element-wise passes and short attention (portable C, AVX2+FMA, AVX-512F, NEON).
        .target(
            name: "CPackedGEMM",
            // No -m flags: each kernel file names its instruction set in function attributes, and
            // the package picks one at run time from what the CPU has.
            cSettings: [.unsafeFlags(["-O3"])]
        ),
        // WordPiece tokenizer driven by tokenizer.json. Pure Swift, no dependencies.
        .target(
            name: "SmallyTokenizer",
            swiftSettings: hotPathSettings
        ),
        // Settings from environment variables, with one policy (malformed → refuse to start). No dependencies.
        .target(name: "SmallyConfiguration"),
        // The project's JSON: a strict reader, a fast writer (arrays of floats in shortest
        // round-trip form) and one `JSONValue` for both. No dependencies.
        .target(name: "SmallyJSON"),
        // Model loading (safetensors, configs), BERT encoder on BLAS, pooling. Knows nothing of HTTP.
        .target(
            name: "SmallyEngine",
            dependencies: [
                "SmallyTokenizer",
                "CBLAS",
                "CPackedGEMM",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: hotPathSettings
        ),
        // L1 in-process LRU and L2 Redis (our own RESP client on SwiftNIO).
        .target(
            name: "SmallyCache",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: requestPathSettings
        ),
        // Accounts: organizations, API keys, quotas, usage; PostgreSQL and SQLite stores. No HTTP.
        .target(
            name: "SmallyAccounts",
            dependencies: [
                "SmallyCache",
                "SmallyConfiguration",
                "SmallyJSON",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: requestPathSettings
        ),
        // The CI regression gate's pure parts: calibration loop, interleaved sampling, Mann-Whitney U,
        // the decision rule and the reference file (Benchmarks/Gate/thresholds.json).
        .target(
            name: "SmallyPerfGate",
            dependencies: ["SmallyJSON"],
            swiftSettings: hotPathSettings
        ),
        // `smally-perf-gate`: times the gated hot paths (scripts/test.sh runs it in CI).
        .executableTarget(
            name: "smally-perf-gate",
            dependencies: [
                "SmallyPerfGate",
                "SmallyCache",
                "SmallyCore",
                "SmallyEngine",
                "SmallyJSON",
                "SmallyTokenizer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Helpers for the test targets (throw-away Redis servers, polling, a seeded generator).
        .target(
            name: "SmallyTestSupport",
            dependencies: ["SmallyCache", "SmallyEngine"]
        ),
        // The request path between HTTP and the engine (TEI's router → core → backends): the
        // embedding service, the cache use, the dynamic batcher, the quota seam (`EmbeddingMeter`)
        // and its own errors (`CoreError`). No HTTP: imports neither Hummingbird nor HTTPTypes.
        .target(
            name: "SmallyCore",
            dependencies: [
                "SmallyEngine",
                "SmallyJSON",
                "SmallyTokenizer",
                "SmallyCache",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: requestPathSettings
        ),
        // OpenTelemetry spans: a tracer for the Tracing API with W3C trace-context ids and a small
        // OTLP/HTTP JSON exporter (swift-otel's build pulls protobuf, AsyncHTTPClient and BoringSSL:
        // minutes of CI for one POST a second). No HTTP server: imports neither Hummingbird nor HTTPTypes.
        .target(
            name: "SmallyTracing",
            dependencies: [
                "SmallyJSON",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // HTTP API on Hummingbird 2.
        .target(
            name: "SmallyServer",
            dependencies: [
                "SmallyCore",
                "SmallyAccounts",
                "SmallyConfiguration",
                "SmallyEngine",
                "SmallyTokenizer",
                "SmallyCache",
                "SmallyJSON",
                "SmallyTracing",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: requestPathSettings
        ),
        // Thin command-line front end: argument parsing and wiring only.
        .executableTarget(
            name: "smally",
            dependencies: [
                "CPackedGEMM",
                "SmallyConfiguration",
                "SmallyCore",
                "SmallyEngine",
                "SmallyJSON",
                "SmallyServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: cpuRequirement
        ),
        .testTarget(
            name: "SmallyTokenizerTests",
            dependencies: ["SmallyTokenizer", "SmallyTestSupport"]
        ),
        .testTarget(
            name: "SmallyPerfGateTests",
            dependencies: ["SmallyPerfGate"]
        ),
        .testTarget(
            name: "SmallyTracingTests",
            dependencies: ["SmallyTracing"]
        ),
        .testTarget(
            name: "SmallyJSONTests",
            dependencies: ["SmallyJSON", "SmallyTestSupport"]
        ),
        .testTarget(
            name: "SmallyEngineTests",
            dependencies: ["SmallyEngine", "CPackedGEMM", "SmallyTestSupport"]
        ),
        .testTarget(
            name: "SmallyCacheTests",
            dependencies: [
                "SmallyCache",
                "SmallyTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "SmallyAccountsTests",
            dependencies: [
                "SmallyAccounts",
                "SmallyConfiguration",
                "SmallyCache",
                "SmallyJSON",
                "SmallyTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "SmallyCoreTests",
            dependencies: [
                "SmallyCore",
                "SmallyTestSupport",
                "SmallyEngine",
                "SmallyCache",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "SmallyServerTests",
            dependencies: [
                "SmallyTestSupport",
                .product(name: "Prometheus", package: "swift-prometheus"),
                "SmallyServer",
                "SmallyCore",
                "SmallyAccounts",
                "SmallyConfiguration",
                "SmallyJSON",
                "SmallyTracing",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The console benchmark fills a year of usage rows straight into each store.
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
    ]
)
