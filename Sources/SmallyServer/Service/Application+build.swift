import Hummingbird
import HummingbirdCore
import Logging
import NIOPosix
import ServiceLifecycle
import SmallyAccounts
import SmallyCache
import SmallyConfiguration
import SmallyCore
import SmallyEngine
import SmallyTracing

/// Builds the Smally HTTP application: caches, batcher, routes and middleware, and the services
/// it runs. Services start in order (account store, Redis client, usage recorder, batcher, then the
/// HTTP server) and stop in reverse, so in-flight requests finish before the batcher drains, the
/// recorder writes its last usage, and Redis and the database close.
/// Accounts (API keys, quotas, usage) are on when `configuration.auth == .enabled`.
/// The caller owns the engines (loaded before, so start-up fails fast on a bad model folder).
public func buildApplication(
    configuration: ServerConfiguration,
    engine: InferenceEngine,
    metrics: ServerMetrics,
    logger: Logger,
    version: String = "dev",
    readiness: Readiness = Readiness(),
    listener: ListenerGate = ListenerGate(),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
    onRoutesRegistered: ([RegisteredRoute]) -> Void = { _ in }
) throws -> some ApplicationProtocol {
    try buildApplication(configuration: configuration, catalog: ModelCatalog(engine: engine), metrics: metrics, logger: logger,
                         version: version, readiness: readiness, listener: listener, onServerRunning: onServerRunning, onRoutesRegistered: onRoutesRegistered)
}

/// The application serving every model of `catalog` (the first embedding model is the default).
public func buildApplication(
    configuration: ServerConfiguration,
    catalog: ModelCatalog,
    metrics: ServerMetrics,
    logger: Logger,
    version: String = "dev",
    readiness: Readiness = Readiness(),
    listener: ListenerGate = ListenerGate(),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
    onRoutesRegistered: ([RegisteredRoute]) -> Void = { _ in }
) throws -> some ApplicationProtocol {
    var services: [any Service] = []

    var l2: RedisEmbeddingCache?
    var redisClient: (any RedisExecutor)?
    if let url = configuration.redisURL {
        let client = try makeRedisExecutor(url: url, tls: configuration.redisTLS,
                                         sentinelPassword: configuration.redisSentinelPassword, metricsFactory: metrics.factory, logger: logger)
        services.append(client)
        redisClient = client
        l2 = RedisEmbeddingCache(client: client, ttl: .seconds(configuration.l2TTLSeconds))
        readiness.addCheck("redis") { client.isConnected }
    }
    let cache: TieredEmbeddingCache? = configuration.l1CacheSize > 0 || l2 != nil
        ? TieredEmbeddingCache(l1: LRUCache(capacity: configuration.l1CacheSize), l2: l2)
        : nil

    var accountOptions = AccountsRuntime.Options()
    accountOptions.authFailuresPerMinute = configuration.authFailuresPerMinute
    accountOptions.quotaFallback = configuration.quotaFallback
    accountOptions.quotaCounters = configuration.quotaCounters
    accountOptions.keyStaleIfError = .seconds(configuration.keyStaleIfErrorSeconds)
    accountOptions.metricsFactory = metrics.factory
    accountOptions.consoleSessions = configuration.consoleSessions
    let accounts = configuration.auth == .enabled
        ? try AccountsRuntime(settings: configuration.accounts, adminToken: configuration.adminToken, redis: redisClient,
                              options: accountOptions, logger: logger)
        : nil
    if let accounts {
        services.insert(accounts.storeService, at: 0)
        services.append(accounts.recorder)
        readiness.addCheck("database") { await accounts.storeIsReachable() }
    }

    // Tracing (OTEL_EXPORTER_OTLP_*): one tracer for the batcher, the core and the request
    // middleware, and the exporter as a service. Off: none of them is created or installed.
    let tracer: OTLPTracer? = configuration.tracing.endpoint.map { _ in
        OTLPTracer(buffer: SpanBuffer(metricsFactory: metrics.factory))
    }
    if let tracer, let endpoint = configuration.tracing.endpoint {
        services.append(OTLPExporter(buffer: tracer.buffer, host: endpoint.host, port: endpoint.port, path: endpoint.path,
                                     serviceName: configuration.tracing.serviceName, logger: logger))
    }
    let batcher = Batcher(engines: catalog.engines, maxQueuedTexts: configuration.maxQueuedTexts,
                          maxBatchSize: configuration.maxBatchSize, maxBatchTokens: configuration.maxBatchTokens,
                          maxQueueWait: configuration.maxQueueMilliseconds > 0 ? .milliseconds(configuration.maxQueueMilliseconds) : nil,
                          lanes: configuration.inferenceLanes, logger: logger, observer: metrics, tracer: tracer)
    services.append(batcher)
    // The HTTP servers run on NIO's shared group (Hummingbird's default).
    services.append(EventLoopLagMonitor(group: MultiThreadedEventLoopGroup.singleton, factory: metrics.factory))
    services.append(DependencyProbe(readiness: readiness, factory: metrics.factory, interval: .seconds(5)))
    let service = EmbeddingService(catalog: catalog, batcher: batcher, cache: cache, cacheScope: configuration.cacheScope,
                                   observer: metrics, tracer: tracer)

    let router = Router(context: AppRequestContext.self)
    if let tracer { router.add(middleware: TracingMiddleware(tracer: tracer)) }  // outermost: its span covers the rest
    router.add(middleware: DrainMiddleware(readiness: readiness))
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: ErrorAndRequestIDMiddleware(metrics: metrics))
    // Every route goes through `routes`, which puts it behind the check its pattern calls for.
    let adminHere = configuration.adminPort == nil
    // The web console (HTML, session cookies) comes with accounts; the operator signs in with
    // ADMIN_TOKEN only where the admin API is served.
    let consoleCookies = ConsoleCookies(alwaysSecure: configuration.consoleSecureCookies)
    let console = try accounts.map { accounts in
        ConsoleRoutes(runtime: accounts, sessions: accounts.consoleSessions, views: try ConsoleViews(), cookies: consoleCookies,
                      operatorSignIn: adminHere)
    }
    let routes = AccessRouter(router: router, keyCheck: accounts?.keyCheck, adminCheck: adminHere ? accounts?.adminCheck : nil,
                              consoleCheck: accounts.map { ConsoleSessionMiddleware(sessions: $0.consoleSessions, cookies: consoleCookies) })
    accounts?.install(on: routes)
    console?.register(on: routes)
    MetricsRoutes(metrics: metrics).register(on: routes)
    if let metricsPort = configuration.metricsPort {
        // /metrics on its own port as well, so it can be scraped without exposing the API.
        let metricsRouter = Router(context: AppRequestContext.self)
        metricsRouter.add(middleware: ErrorAndRequestIDMiddleware(metrics: nil))
        MetricsRoutes(metrics: metrics).register(on: AccessRouter(router: metricsRouter, keyCheck: nil, adminCheck: nil, serving: [.open]))
        services.append(Application(router: metricsRouter,
                                    configuration: .init(address: .hostname(configuration.host, port: metricsPort),
                                                         serverName: "smally-metrics"),
                                    logger: logger))
    }
    if let adminPort = configuration.adminPort, let accounts, let adminCheck = accounts.adminCheck {
        // The admin API on its own listener (ADMIN_HOST:ADMIN_PORT), off the public one.
        let adminRouter = Router(context: AppRequestContext.self)
        adminRouter.add(middleware: MetricsMiddleware(metrics: metrics))
        adminRouter.add(middleware: ErrorAndRequestIDMiddleware(metrics: metrics))
        // The console comes along: the operator signs in here (ADMIN_TOKEN), not on the public listener.
        let adminRoutes = AccessRouter(router: adminRouter, keyCheck: nil, adminCheck: adminCheck,
                                       consoleCheck: ConsoleSessionMiddleware(sessions: accounts.consoleSessions, cookies: consoleCookies),
                                       serving: [.adminToken, .consoleSession, .open])
        accounts.install(on: adminRoutes)
        ConsoleRoutes(runtime: accounts, sessions: accounts.consoleSessions, views: try ConsoleViews(), cookies: consoleCookies,
                      operatorSignIn: true).register(on: adminRoutes)
        MethodNotAllowedRoutes.register(on: adminRoutes, routes: adminRouter.routes)
        services.append(Application(router: adminRouter,
                                    server: .http1(configuration: configuration.http1Configuration()),
                                    configuration: .init(address: .hostname(configuration.adminHost, port: adminPort),
                                                         serverName: "smally-admin",
                                                         availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
                                    logger: logger))
    }
    InfoRoutes(service: service, limits: configuration, readiness: readiness, version: version).register(on: routes)
    let connections = ConnectionWatches()
    // Kept JSON only makes sense for vectors that come from a cache.
    let rendered = RenderedVectors(capacity: cache == nil ? 0 : configuration.renderedCacheSize)
    EmbedRoutes(service: service, limits: configuration, connections: connections, rendered: rendered).register(on: routes)
    OpenAIRoutes(service: service, limits: configuration, connections: connections).register(on: routes)
    RerankRoutes(service: service, limits: configuration, connections: connections).register(on: routes)
    let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
    MethodNotAllowedRoutes.register(on: routes, routes: router.routes)
    let table = router.routes.map { route in
        RegisteredRoute(path: route.path.description, method: route.method.rawValue,
                        methodNotAllowed: !served.contains("\(route.method.rawValue) \(route.path.description)"))
    }
    logger.debug("routes", metadata: ["routes": "\(table.map { "\($0.method) \($0.path) (\($0.access.rawValue))" })"])
    onRoutesRegistered(table)

    var app = Application(
        router: router,
        // Watches every connection for a client that closes, so its queued texts are dropped.
        server: .http1(configuration: configuration.http1Configuration(additionalChannelHandlers: [connections.handler()])),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "smally",
                             availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
        services: services,
        onServerRunning: { channel in
            listener.set(channel)
            await onServerRunning(channel.localAddress?.port ?? configuration.port)
        },
        logger: logger
    )
    app.beforeServerStarts {
        try await accounts?.prepare()
        for model in catalog.models { try await model.engine.warmUp() }
        readiness.markWarm()
    }
    logger.info("configuration", metadata: [
        "cache": "\(configuration.l1CacheSize > 0 ? "L1 \(configuration.l1CacheSize) entries" : "L1 off")\(l2 != nil ? " + L2 Redis (ttl \(configuration.l2TTLSeconds) s)" : ", no L2"), JSON of \(rendered.capacity) hot vectors",
        "batching": "\(configuration.maxBatchSize) texts / \(configuration.maxBatchTokens) tokens per pass, queue \(configuration.maxQueuedTexts) (deadline \(configuration.maxQueueMilliseconds > 0 ? "\(configuration.maxQueueMilliseconds) ms" : "off")), \(batcher.lanes) lane(s) at nice \(configuration.engine.inferenceNice), policy \(configuration.engine.inferencePolicy)",
        "store": "\(accounts.map { $0.store.backend } ?? "none (auth off)")",
        "cache_scope": "\(configuration.cacheScope.rawValue)",
        "tracing": "\(configuration.tracing.endpoint.map { "OTLP/HTTP to \($0.url) as \(configuration.tracing.serviceName)" } ?? "off")",
        "admin_api": "\(accounts?.adminToken == nil ? "off" : configuration.adminPort.map { "\(configuration.adminHost):\($0)" } ?? "public listener")",
    ])
    for model in catalog.models where model.engine.model.precision == .int8 && !model.engine.int8Kernel.hasDotProduct {
        logger.warning("int8 runs without dot-product instructions (VNNI, sdot) here (this CPU or SMALLY_KERNEL): model \(model.name) runs the \(model.engine.int8Kernel) int8 kernel, which may be no faster than fp32 (PERFORMANCE.md, int8); `smally bench --precision fp32,int8` measures both on this CPU")
    }
    return app
}
