import Foundation
import Hummingbird
import Logging
import Metrics
import ServiceLifecycle
import SmallyAccounts
import SmallyCache
import SmallyConfiguration

/// Everything accounts add to the server: the store (and the service that keeps it open), the
/// key authenticator, the quota limiter, the usage recorder and the admin operations.
public struct AccountsRuntime: Sendable {
    public let settings: AccountsSettings
    public let store: any AccountStore
    /// The PostgreSQL client or the SQLite store: run it before the recorder.
    public let storeService: any Service
    public let authenticator: KeyAuthenticator
    public let limiter: any QuotaLimiter
    public let recorder: UsageRecorder
    public let admin: AccountsAdmin
    /// Console sign-in and sessions (in the store, so every node honours them).
    public let consoleSessions: ConsoleSessions
    /// `ADMIN_TOKEN`; nil leaves the admin API out (404).
    public let adminToken: String?
    let now: @Sendable () -> Date
    let logger: Logger
    /// Shown once on first start of an empty embedded store (stdout, never the log).
    let announceDevelopmentKey: @Sendable (String, String) -> Void

    let metrics: AccountsMetrics
    let securityMetrics: SecurityMetrics
    /// Failed API keys and admin tokens per client address (shared by both checks).
    let failureThrottle: AuthFailureThrottle

    /// Tuning knobs with their defaults; tests shorten them.
    public struct Options: Sendable {
        /// Cached keys are looked up again after this (≤ 5 s). Default 2 s.
        public var keyRevalidateAfter: Duration = .seconds(2)
        /// Usage flush period. Default 1 s.
        public var usageFlushInterval: Duration = .seconds(1)
        /// Usage buffer bound (organization × key × minute buckets). Default 100,000.
        public var usageMaxBuckets = 100_000
        /// Redis key namespace of the quota counters. Default `smally:quota`.
        public var quotaNamespace = "smally:quota"
        /// `AUTH_FAILURES_PER_MINUTE`: failed credentials an address may send per minute before
        /// it is refused for the rest of the minute (0 = no throttle). Default 30.
        public var authFailuresPerMinute = 30
        /// `QUOTA_FALLBACK`: how quotas are enforced while Redis is unreachable (``QuotaFallback``;
        /// default per node).
        public var quotaFallback: QuotaFallback = .default
        /// `QUOTA_COUNTERS`: where monthly quota counters live; default `auto`.
        public var quotaCounters: QuotaCounters = .auto
        /// `AUTH_STALE_IF_ERROR`: how long a known key keeps working after its last confirmation while
        /// the account store does not answer (so also how long a key revoked meanwhile may still
        /// work). Default 30 s, at most 300 s.
        public var keyStaleIfError: Duration = KeyAuthenticator.defaultStaleIfErrorFor
        /// Where the accounts' and security counters go; `smally serve` passes its Prometheus factory.
        public var metricsFactory: any MetricsFactory = MetricsSystem.factory
        /// `SMALLY_CONSOLE_IDLE_MINUTES`, `SMALLY_CONSOLE_SESSION_HOURS`.
        public var consoleSessions = ConsoleSessionSettings()
        public var now: @Sendable () -> Date = { Date() }
        public var announceDevelopmentKey: @Sendable (_ key: String, _ path: String) -> Void = { key, path in
            print("""

                ==> Created organization 'default' and a development API key (shown only this once; also saved to \(path), mode 0600):
                    \(key)
                    curl -s http://127.0.0.1:8000/v1/embed -H "Authorization: Bearer $(cat \(path))" -H 'content-type: application/json' -d '{"text":"hello"}'

                """)
        }

        public init() {}
    }

    /// - Parameter redis: when given (REDIS_URL), quota counters live in Redis and are shared by every node.
    public init(settings: AccountsSettings, adminToken: String?, redis: (any RedisExecutor)?, options: Options = Options(), logger: Logger) throws {
        var logger = logger
        logger[metadataKey: "component"] = "accounts"
        self.settings = settings
        self.adminToken = adminToken.flatMap { $0.isEmpty ? nil : $0 }
        if let token = self.adminToken, token.count < AdminTokenMiddleware.minimumTokenLength {
            throw ConfigurationError(variable: "ADMIN_TOKEN",
                                     message: "must be at least \(AdminTokenMiddleware.minimumTokenLength) characters (got \(token.count)); generate one with `openssl rand -hex 32`")
        }
        failureThrottle = AuthFailureThrottle(limit: options.authFailuresPerMinute)
        metrics = AccountsMetrics(factory: options.metricsFactory)
        securityMetrics = SecurityMetrics(factory: options.metricsFactory)
        self.now = options.now
        self.logger = logger
        self.announceDevelopmentKey = options.announceDevelopmentKey
        (store, storeService) = try settings.makeStore(logger: logger, metricsFactory: options.metricsFactory)
        let store = self.store
        let authenticator = KeyAuthenticator(store: store, format: settings.keyFormat, tierLimits: settings.tierLimits,
                                             revalidateAfter: options.keyRevalidateAfter, staleIfErrorFor: options.keyStaleIfError,
                                             now: options.now, logger: logger)
        self.authenticator = authenticator
        let seed: QuotaSeed = { organizationID, month in
            try await withDeadline(.seconds(2)) {
                try await store.embeddings(organizationID: organizationID, from: month.start, to: month.end)
            }
        }
        switch (options.quotaCounters, redis, store as? any QuotaCounterStore) {
        case (.auto, let redis?, _), (.redis, let redis?, _):
            limiter = RedisQuotaLimiter(client: redis, seed: seed, namespace: options.quotaNamespace, fallback: options.quotaFallback,
                                        logger: logger)
        case (.database, _, let counters?):
            limiter = DatabaseQuotaLimiter(store: counters, fallback: options.quotaFallback, logger: logger)
        case (.redis, nil, _):
            throw ConfigurationError(variable: "QUOTA_COUNTERS", message: "is redis but REDIS_URL is not set")
        case (.database, _, nil):
            throw ConfigurationError(variable: "QUOTA_COUNTERS", message: "is database but DATABASE_URL (PostgreSQL) is not set")
        default:
            if !settings.isEmbedded {
                // Nodes sharing this database each count on their own: say so once, loudly.
                logger.warning("quota counters are per node (no REDIS_URL): with several nodes sharing this database, each admits up to the whole monthly quota; set REDIS_URL, or QUOTA_COUNTERS=database for exact counts at a cost (README)")
            }
            limiter = InProcessQuotaLimiter(seed: seed, logger: logger)
        }
        var journal: UsageJournal?
        if let directory = settings.usageJournalDirectory {
            do {
                journal = try UsageJournal(directory: directory)
            } catch {
                throw ConfigurationError(variable: "SMALLY_USAGE_JOURNAL", message: (error as? AccountsError)?.message ?? "\(error)")
            }
        }
        let recorder = UsageRecorder(store: store, flushInterval: options.usageFlushInterval, maxBuckets: options.usageMaxBuckets,
                                     journal: journal, logger: logger)
        self.recorder = recorder
        admin = AccountsAdmin(store: store, format: settings.keyFormat, tierLimits: settings.tierLimits,
                              onChange: { authenticator.invalidateAll() },
                              usageRecorder: recorder)
        let clock = options.now
        consoleSessions = ConsoleSessions(store: store, format: settings.keyFormat, settings: options.consoleSessions,
                                          now: { Timestamps.truncate(clock()) })
    }

    /// The check in front of every API-key route.
    public var keyCheck: any MiddlewareProtocol<Request, Response, AppRequestContext> { APIKeyMiddleware(runtime: self) }

    /// The check in front of every admin route; nil without `ADMIN_TOKEN` (no admin API).
    public var adminCheck: (any MiddlewareProtocol<Request, Response, AppRequestContext>)? {
        adminToken.map { AdminTokenMiddleware(token: $0, throttle: failureThrottle, metrics: securityMetrics) }
    }

    /// The routes of accounts: `GET /v1/usage` and the admin API. ``AccessRouter`` puts each
    /// behind its check (and leaves the admin API out where that listener does not serve it).
    public func install(on routes: AccessRouter) {
        UsageRoutes(runtime: self).register(on: routes)
        AdminRoutes(runtime: self).register(on: routes)
    }

    /// Applies migrations and, on an empty embedded store, creates the development key. Run
    /// before the server accepts requests (`beforeServerStarts`).
    public func prepare() async throws {
        let store = self.store
        let applied = try await withDeadline(.seconds(30)) { try await store.migrate() }
        logger.info("account store ready", metadata: [
            "backend": "\(store.backend)",
            "location": "\(settings.isEmbedded ? settings.sqlitePath : "DATABASE_URL")",
            "migrations_applied": "\(applied)",
        ])
        if settings.isEmbedded {
            let path = try await DevelopmentKey.bootstrapIfEmpty(admin: admin, dataDirectory: settings.dataDirectory,
                                                                 announce: announceDevelopmentKey)
            if let path {
                logger.notice("created organization 'default' with a development key", metadata: ["key_file": "\(path)"])
            }
        } else if try await store.organizations().isEmpty {
            logger.notice("no organizations yet: create one with `smally orgs create NAME --tier free` and a key with `smally keys create --org NAME`")
        }
    }

    /// For `/ready`: the store answers within a second.
    public func storeIsReachable() async -> Bool {
        let store = self.store
        return (try? await withDeadline(.seconds(1)) { try await store.ping() }) != nil
    }
}
