import Foundation
import HummingbirdCore
import NIOCore
import SmallyAccounts
import SmallyConfiguration
import SmallyCache
import SmallyCore

/// Settings of the HTTP service. Every field has an environment variable (listed in
/// `.env.example`); command-line flags override them.
public struct ServerConfiguration: Sendable {
    /// `HOST`, default 127.0.0.1.
    public var host = "127.0.0.1"
    /// `PORT`, default 8000.
    public var port = 8000
    /// `METRICS_PORT`: serve /metrics on this separate port as well (default: main port only).
    public var metricsPort: Int?
    /// `SMALLY_MAX_TEXTS`, default 256: most texts in one request.
    public var maxTextsPerRequest = 256
    /// `SMALLY_MAX_TEXT_BYTES`, default 65,536: most UTF-8 bytes in one text (413 beyond).
    public var maxTextBytes = 65_536
    /// `SMALLY_MAX_BODY_BYTES`, default 4 MiB: most bytes in one request body (413 beyond).
    public var maxBodyBytes = 4 << 20
    /// `SMALLY_BATCH_SIZE`, default 64: most sequences in one forward pass.
    public var maxBatchSize = 64
    /// `SMALLY_BATCH_TOKENS`, default 8,192: most tokens in one forward pass.
    public var maxBatchTokens = 8_192
    /// `SMALLY_LANES`: batches computed at the same time, each on one CPU (default: one per
    /// inference thread); 1 computes one batch at a time over all CPUs.
    public var inferenceLanes: Int?
    /// `SMALLY_MAX_QUEUE`, default 2,048: texts waiting for inference before 429.
    public var maxQueuedTexts = 2_048
    /// `SMALLY_MAX_QUEUE_MS`, default 0 (no deadline): texts that have waited longer than this for
    /// inference when a lane would start them are answered 503 `queue_timeout` (+ Retry-After) instead
    /// of late, and a request is refused at once when the queue ahead of it already holds more than
    /// half that much work. Off by default because a request's own texts count as waiting: a limit below what the
    /// largest request takes to compute would refuse it even on an idle server.
    public var maxQueueMilliseconds = 0
    /// `L1_CACHE_SIZE`, default 10,000 entries (~16 MiB of vectors); 0 disables it.
    public var l1CacheSize = 10_000
    /// `L1_JSON_CACHE_SIZE`, default 1,000: hot cached vectors kept as written JSON, per form (as
    /// stored / normalised; ≤ 6 KiB each, ~4.3 KiB typical: ≤ 12 MiB in all); 0 disables it.
    public var renderedCacheSize = 1_000
    /// `REDIS_URL` (e.g. `redis://127.0.0.1:6379/0`, or a cluster's seeds
    /// `redis+cluster://10.0.0.1:6379,10.0.0.2:6379/`): the shared L2 cache. Unset: L1 only.
    public var redisURL: String?
    /// `REDIS_TLS_CA_FILE`, `REDIS_TLS_CERT_FILE`, `REDIS_TLS_KEY_FILE`, `REDIS_TLS_INSECURE`: TLS to
    /// Redis, used with a `rediss://` URL (and refused with a `redis://` one, where they would do nothing).
    public var redisTLS = RedisTLS()
    /// `REDIS_SENTINEL_PASSWORD`: `AUTH` for the sentinels of a `redis+sentinel://` URL (the URL's
    /// credentials are the data nodes'). Unset: the sentinels need none.
    public var redisSentinelPassword: String?
    /// `L2_CACHE_TTL`, default 86,400 s (24 h): lifetime of L2 entries.
    public var l2TTLSeconds = 86_400
    /// `SMALLY_AUTH` (`on` / `off`): API keys, quotas and usage. On by default when read from the
    /// environment (`smally serve`); `ServerConfiguration()` leaves it off for tests.
    public var auth: AuthMode = .disabled
    /// `DATABASE_URL`, `DATABASE_MAX_CONNECTIONS` (20), `SMALLY_DATA_DIR` (./data), `API_KEY_PREFIX` (sk_),
    /// `TIER_*_EMBEDDINGS_PER_MONTH` / `TIER_*_REQUESTS_PER_MINUTE`.
    public var accounts = AccountsSettings()
    /// `ADMIN_TOKEN`: enables the admin API under `/v1/admin/…` (unset: no admin API).
    public var adminToken: String?

    /// `ADMIN_PORT`: serve the admin API on this port only (on `ADMIN_HOST`, default 127.0.0.1),
    /// and not on the public listener. Unset: the admin API shares the public listener.
    public var adminPort: Int?
    /// `ADMIN_HOST`, default 127.0.0.1: where `ADMIN_PORT` listens.
    public var adminHost = "127.0.0.1"
    /// `IDLE_TIMEOUT`, default 90 s: a connection that sends nothing (between requests, or in the
    /// middle of one) for this long is closed. Longer than nginx's upstream keep-alive (60 s),
    /// so a proxy closes its idle connections before we do.
    public var idleTimeoutSeconds = 90
    /// `MAX_CONNECTIONS`, default 4,096: open connections at most; further ones wait in the
    /// listen backlog until one closes.
    public var maxConnections = 4_096
    /// `AUTH_FAILURES_PER_MINUTE`, default 30: failed API keys or admin tokens one client address
    /// may send in a minute before it is refused (429) until the minute ends; 0 = no throttle.
    public var authFailuresPerMinute = 30
    /// `CACHE_SCOPE`, default `organization`: cache entries are keyed by organization, so one
    /// organization can never learn (from `cached`, `x-cache` or timing) what another embedded.
    /// `shared`: one entry per text for every organization (more hits across organizations).
    public var cacheScope: CacheScope = .organization
    /// `QUOTA_FALLBACK`, default `per-node`: how quotas are enforced while Redis is unreachable:
    /// `per-node` (each node enforces the full limit on its own: N nodes may admit up to N× what
    /// remained), `divided:N` (each of N nodes admits 1/N of what remained: never more than the
    /// quota), `closed` (refuse with 503 until Redis answers). What a node admits meanwhile is
    /// added to Redis when it returns.
    public var quotaFallback: QuotaFallback = .default
    /// `QUOTA_COUNTERS`, default `auto`: where monthly quota counters live — Redis when `REDIS_URL`
    /// is set, else this process; `database` counts in PostgreSQL (exact across nodes, costly).
    public var quotaCounters: QuotaCounters = .auto
    /// `AUTH_STALE_IF_ERROR`, default 30 s (0…300): while the account store does not answer, a key
    /// confirmed within this window keeps working (a key revoked meanwhile works until then);
    /// after it, 503. 0 refuses every key the store cannot confirm now.
    public var keyStaleIfErrorSeconds = 30
    /// `SMALLY_CONSOLE_IDLE_MINUTES` (30) and `SMALLY_CONSOLE_SESSION_HOURS` (12): a console
    /// session ends after this long unused, and this long after sign-in whatever the use.
    public var consoleSessions = ConsoleSessionSettings()
    /// `SMALLY_CONSOLE_SECURE_COOKIES`, default off: mark the console's cookies `Secure` on every
    /// answer (turn it on behind a TLS proxy). They are `Secure` anyway on requests that arrive
    /// with `X-Forwarded-Proto: https`.
    public var consoleSecureCookies = false

    /// `SMALLY_DRAIN_SECONDS`, default 5 (0…3,600): on SIGTERM / SIGINT, how long the server keeps
    /// serving with `/ready` at 503 and `Connection: close` on every response, so a load balancer
    /// moves its traffic elsewhere, before it stops accepting. `make run` uses 0.
    public var drainSeconds = 5

    public init() {}

    /// The HTTP/1.1 settings of a listener: the idle timeout, plus the given channel handlers.
    func http1Configuration(additionalChannelHandlers: @autoclosure @escaping @Sendable () -> [any RemovableChannelHandler] = [])
        -> HTTP1Channel.Configuration {
        HTTP1Channel.Configuration(additionalChannelHandlers: additionalChannelHandlers(),
                                   idleTimeout: .seconds(Int64(idleTimeoutSeconds)))
    }

    /// `SMALLY_EXECUTOR`, default `nio`: where Swift concurrency's jobs run.
    public var executor = Executor.nio
    /// `SMALLY_MODEL_DIR`, `SMALLY_THREADS`, `SMALLY_SPLIT_MIN_TEXTS`.
    public var engine = EngineSettings()
    /// `LOG_LEVEL`, `LOG_FORMAT`.
    public var log = LogSettings()
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_SERVICE_NAME`:
    /// OpenTelemetry spans (off unless an endpoint is set).
    public var tracing = TracingSettings()

    public enum Executor: String, Sendable {
        /// Swift concurrency runs on NIO's event loops: no thread hop per request.
        case nio
        /// Swift's global pool.
        case `default`
    }

    /// Reads the environment: every variable the server uses, with one policy (``EnvironmentReader``).
    public init(environment: [String: String]) throws(ConfigurationError) {
        var reader = EnvironmentReader(environment)
        try self.init(reading: &reader)
    }

    /// Reads every setting of `smally serve` from `reader`, which records what was read (the
    /// documentation test compares that list with README and `.env.example`).
    public init(reading reader: inout EnvironmentReader) throws(ConfigurationError) {
        host = reader.string("HOST", default: host)
        port = try reader.int("PORT", default: port, in: 0...65_535)
        metricsPort = try reader.optionalInt("METRICS_PORT", in: 1...65_535)
        idleTimeoutSeconds = try reader.int("IDLE_TIMEOUT", default: idleTimeoutSeconds, in: 1...86_400)
        maxConnections = try reader.int("MAX_CONNECTIONS", default: maxConnections, in: 1...1_000_000)
        drainSeconds = try reader.int("SMALLY_DRAIN_SECONDS", default: drainSeconds, in: 0...3_600)
        engine = try EngineSettings(reading: &reader)
        inferenceLanes = try reader.optionalInt("SMALLY_LANES", in: 1...4_096)
        executor = try reader.choice("SMALLY_EXECUTOR", default: "nio", ["nio": .nio, "default": .default])
        maxBatchSize = try reader.int("SMALLY_BATCH_SIZE", default: maxBatchSize, in: 1...100_000)
        maxBatchTokens = try reader.int("SMALLY_BATCH_TOKENS", default: maxBatchTokens, in: 1...100_000_000)
        maxQueuedTexts = try reader.int("SMALLY_MAX_QUEUE", default: maxQueuedTexts, in: 1...100_000_000)
        maxQueueMilliseconds = try reader.int("SMALLY_MAX_QUEUE_MS", default: maxQueueMilliseconds, in: 0...3_600_000)
        maxTextsPerRequest = try reader.int("SMALLY_MAX_TEXTS", default: maxTextsPerRequest, in: 1...1_000_000)
        maxTextBytes = try reader.int("SMALLY_MAX_TEXT_BYTES", default: maxTextBytes, in: 1...(1 << 30))
        maxBodyBytes = try reader.int("SMALLY_MAX_BODY_BYTES", default: maxBodyBytes, in: 1024...(1 << 30))
        l1CacheSize = try reader.int("L1_CACHE_SIZE", default: l1CacheSize, in: 0...100_000_000)
        renderedCacheSize = try reader.int("L1_JSON_CACHE_SIZE", default: renderedCacheSize, in: 0...100_000_000)
        redisURL = reader.text("REDIS_URL")
        redisTLS.caFile = reader.text("REDIS_TLS_CA_FILE")
        redisTLS.certificateFile = reader.text("REDIS_TLS_CERT_FILE")
        redisTLS.keyFile = reader.text("REDIS_TLS_KEY_FILE")
        redisTLS.insecure = try reader.choice("REDIS_TLS_INSECURE", default: "false",
                                              ["false": false, "true": true, "0": false, "1": true])
        redisSentinelPassword = reader.text("REDIS_SENTINEL_PASSWORD")
        if redisSentinelPassword != nil, redisURL?.lowercased().contains("+sentinel://") != true {
            throw ConfigurationError(variable: "REDIS_SENTINEL_PASSWORD", message: "is set but REDIS_URL is not a redis+sentinel:// URL")
        }
        if redisTLS != RedisTLS(), redisURL.map({ url in ["rediss://", "rediss+cluster://", "rediss+sentinel://"].contains { url.lowercased().hasPrefix($0) } }) != true {
            throw ConfigurationError(variable: "REDIS_URL",
                                     message: "must be a rediss:// (or rediss+cluster://, rediss+sentinel://) URL when REDIS_TLS_* settings are given")
        }
        l2TTLSeconds = try reader.int("L2_CACHE_TTL", default: l2TTLSeconds, in: 1...(365 * 86_400))
        cacheScope = try reader.choice("CACHE_SCOPE", default: "organization", ["organization": .organization, "shared": .shared])
        log = try LogSettings(reading: &reader)
        tracing = try TracingSettings(reading: &reader)
        auth = try reader.choice("SMALLY_AUTH", default: "on",
                                 ["on": .enabled, "off": .disabled, "enabled": .enabled, "disabled": .disabled,
                                  "true": .enabled, "false": .disabled, "1": .enabled, "0": .disabled])
        accounts = try AccountsSettings(reading: &reader)
        adminToken = reader.text("ADMIN_TOKEN")
        if let adminToken, adminToken.count < AdminTokenMiddleware.minimumTokenLength {
            throw ConfigurationError(variable: "ADMIN_TOKEN",
                                     message: "must be at least \(AdminTokenMiddleware.minimumTokenLength) characters (got \(adminToken.count)); generate one with `openssl rand -hex 32`")
        }
        adminPort = try reader.optionalInt("ADMIN_PORT", in: 1...65_535)
        adminHost = reader.string("ADMIN_HOST", default: adminHost)
        if let adminPort, adminToken == nil || auth == .disabled {
            // Otherwise nothing would listen there, silently.
            throw ConfigurationError(variable: "ADMIN_PORT",
                                     message: "is \(adminPort) but needs ADMIN_TOKEN and SMALLY_AUTH=on (the admin API is off without them)")
        }
        authFailuresPerMinute = try reader.int("AUTH_FAILURES_PER_MINUTE", default: authFailuresPerMinute, in: 0...1_000_000)
        quotaCounters = try reader.choice("QUOTA_COUNTERS", default: "auto",
                                          ["auto": .auto, "redis": .redis, "database": .database, "process": .process])
        keyStaleIfErrorSeconds = try reader.int("AUTH_STALE_IF_ERROR", default: keyStaleIfErrorSeconds, in: 0...300)
        consoleSessions = ConsoleSessionSettings(
            idleTimeout: TimeInterval(try reader.int("SMALLY_CONSOLE_IDLE_MINUTES", default: 30, in: 1...10_080) * 60),
            lifetime: TimeInterval(try reader.int("SMALLY_CONSOLE_SESSION_HOURS", default: 12, in: 1...720) * 3_600))
        consoleSecureCookies = try reader.choice("SMALLY_CONSOLE_SECURE_COOKIES", default: "off",
                                                 ["on": true, "off": false, "true": true, "false": false, "1": true, "0": false])
        quotaFallback = try reader.parsed("QUOTA_FALLBACK", default: quotaFallback, defaultText: quotaFallback.description) { text in
            do {
                return try QuotaFallback(parsing: text)
            } catch let error as AccountsError {
                throw ConfigurationError(variable: "QUOTA_FALLBACK", message: error.message)
            }
        }
    }
}

