import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import SmallyConfiguration

/// Where accounts live and how keys look; read by the server and the CLI alike.
public struct AccountsSettings: Sendable {
    /// `DATABASE_URL`: PostgreSQL (`postgres://user:password@host:5432/db`). Unset: the embedded SQLite file.
    public var databaseURL: String?
    /// `DATABASE_MAX_CONNECTIONS`, default 20: PostgreSQL pool size per process.
    public var databaseMaxConnections = 20
    /// `SMALLY_DATA_DIR`, default `./data`: holds `smally.sqlite` and `dev-api-key`.
    public var dataDirectory = "./data"
    /// `API_KEY_PREFIX`, default `sk_`.
    public var apiKeyPrefix = "sk_"
    /// `TIER_{FREE,PRO,SCALE}_{EMBEDDINGS_PER_MONTH,REQUESTS_PER_MINUTE}`.
    public var tierLimits = TierLimits.defaults
    /// `SMALLY_USAGE_JOURNAL`, default `SMALLY_DATA_DIR/usage-journal`, `off` for none: the directory
    /// of the server's usage journal (see ``UsageJournal``), one per process. Unset in `init()` (tests).
    public var usageJournalDirectory: String?
    /// PostgreSQL schema for the tables (tests); nil uses the connection's default (`public`).
    public var databaseSchema: String?

    public init() {}

    /// Reads `DATABASE_URL`, `DATABASE_MAX_CONNECTIONS`, `SMALLY_DATA_DIR`, `API_KEY_PREFIX` and the tier limits.
    public init(environment: [String: String]) throws(ConfigurationError) {
        var reader = EnvironmentReader(environment)
        try self.init(reading: &reader)
    }

    public init(reading reader: inout EnvironmentReader) throws(ConfigurationError) {
        databaseURL = reader.text("DATABASE_URL")
        databaseMaxConnections = try reader.int("DATABASE_MAX_CONNECTIONS", default: databaseMaxConnections, in: 1...10_000)
        dataDirectory = reader.string("SMALLY_DATA_DIR", default: dataDirectory)
        apiKeyPrefix = reader.string("API_KEY_PREFIX", default: apiKeyPrefix)
        let journal = reader.text("SMALLY_USAGE_JOURNAL") ?? (dataDirectory as NSString).appendingPathComponent("usage-journal")
        usageJournalDirectory = journal == "off" ? nil : journal
        tierLimits = try TierLimits(reading: &reader)
    }

    public var sqlitePath: String { (dataDirectory as NSString).appendingPathComponent("smally.sqlite") }
    public var isEmbedded: Bool { databaseURL == nil }
    public var keyFormat: APIKeyFormat { APIKeyFormat(prefix: apiKeyPrefix) }

    /// The store and the service that must run while it is used (the PostgreSQL client, or the
    /// SQLite store itself, which closes its file on shutdown).
    public func makeStore(logger: Logger, metricsFactory: any MetricsFactory = MetricsSystem.factory)
        throws -> (store: any AccountStore, service: any Service) {
        if let databaseURL {
            let configuration = try PostgresSettings.clientConfiguration(url: databaseURL, maxConnections: databaseMaxConnections,
                                                                          schema: databaseSchema)
            var clientLogger = logger
            clientLogger.logLevel = max(logger.logLevel, .error)  // our own lines report outages, once
            // The client with its pool watched for /metrics (connections in use, time to get one).
            let pool = PostgresPoolService.make(configuration: configuration, maxConnections: databaseMaxConnections,
                                                backgroundLogger: clientLogger, factory: metricsFactory)
            return (PostgresAccountStore(client: pool.client, schema: databaseSchema, logger: logger), pool)
        }
        let store = SQLiteAccountStore(path: sqlitePath, logger: logger)
        return (store, store)
    }

    /// Opens the store, applies migrations, runs `body`, then shuts the store down (for the CLI).
    public func withStore<T: Sendable>(logger: Logger, migrate: Bool = true,
                                       _ body: @escaping @Sendable (any AccountStore) async throws -> T) async throws -> T {
        let (store, service) = try makeStore(logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await service.run()
                return nil
            }
            group.addTask {
                if migrate { try await store.migrate() }
                return try await body(store)
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let value = next { return value }
            }
            throw AccountsError(.storageUnavailable, "the store stopped")
        }
    }
}
