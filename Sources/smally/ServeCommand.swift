import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import SmallyCore
import SmallyEngine
import SmallyServer

/// `smally serve`: the HTTP API.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP API (settings from the environment, see .env.example; flags override)."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Address to bind (env HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (env PORT, default 8000; 0 picks a free port).")
    var port: Int?

    func run() async throws {
        // Every setting is read (and checked) here, before anything starts.
        var configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("configuration: \(error)")
        }
        if let host { configuration.host = host }
        if let port {
            guard (0...65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
            configuration.port = port
        }
        configuration.engine = try modelOptions.settings(from: configuration.engine)
        let logger = LogSetup.bootstrap(configuration.log)

        // Metrics are bootstrapped once per process, here; /metrics serves the same registry.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(ServerMetrics.prometheusFactory(registry: registry))
        let metrics = ServerMetrics(registry: registry)

        // Run Swift concurrency's jobs on NIO's event loops: a request then never hops between
        // the socket's thread and the global pool (two context switches per request, ~40% of the
        // cached path). Inference is unaffected: it runs on the engine's own queue.
        switch configuration.executor {
        case .nio:
            let installed = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            logger.info("executor", metadata: ["executor": installed ? "nio event loops" : "swift global pool (nio takeover unavailable)"])
        case .default:
            logger.info("executor", metadata: ["executor": "swift global pool"])
        }

        let engines = try ModelOptions.loadEngines(configuration.engine)
        for (name, engine) in engines {
            let model = engine.model
            logger.info("model loaded", metadata: [
                "model": "\(name)", "kind": "\(model.configuration.kind == .embedding ? "embedding" : "cross-encoder")",
                "dimension": "\(model.configuration.dimension)", "max_tokens": "\(model.configuration.maxSequenceLength)",
                "pooling": "\(model.configuration.pooling.rawValue)", "threads": "\(engine.threads)", "kernel": "\(engine.kernel)",
                "folder": "\(model.directory.path)",
            ])
        }
        let catalog = ModelCatalog(engines)
        let host = configuration.host
        // How to call it: with a key from the embedded store's development key file when keys are required.
        let keyFile = (configuration.accounts.dataDirectory as NSString).appendingPathComponent("dev-api-key")
        let authHeader = configuration.auth == .enabled
            ? (configuration.accounts.isEmbedded ? " -H \"Authorization: Bearer $(cat \(keyFile))\"" : " -H 'Authorization: Bearer <your key>'")
            : ""
        let readiness = Readiness()
        let listener = ListenerGate()
        let app = try buildApplication(configuration: configuration, catalog: catalog, metrics: metrics, logger: logger,
                                       version: SmallyVersion.string, readiness: readiness, listener: listener) { port in
            logger.info("Smally is listening on http://\(host):\(port) — try: curl -s http://\(host):\(port)/v1/embed\(authHeader) -H 'content-type: application/json' -d '{\"text\":\"hello world\"}'")
        }
        try await runDrainingOnSignal(app, readiness: readiness, listener: listener, drain: .seconds(configuration.drainSeconds), logger: logger)
    }
}
