import Foundation
import InMemoryLogging
import Logging
import Metrics
import PostgresNIO
import SmallyAccounts
import SmallyCache
import SmallyTestSupport
import Testing

/// The two stores every store test runs against.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// How the tests reach PostgreSQL and Redis.
///
/// `DATABASE_URL` / `REDIS_URL` must be set (scripts/test.sh and .ci/run set them); without them
/// these tests fail with a message rather than silently pass. `SMALLY_SKIP_DB_TESTS=1` skips them.
enum TestEnvironment {
    static let environment = ProcessInfo.processInfo.environment
    static let skipDatabase = environment["SMALLY_SKIP_DB_TESTS"] == "1"

    struct Missing: Error, CustomStringConvertible {
        var variable: String
        var description: String {
            "\(variable) is not set. These tests need a real server (scripts/services.sh up prints the URLs: "
                + "DATABASE_URL=postgres://postgres@127.0.0.1:5433/smally_test, REDIS_URL=redis://127.0.0.1:6390); "
                + "set SMALLY_SKIP_DB_TESTS=1 to skip them."
        }
    }

    /// nil means "skip" (only with SMALLY_SKIP_DB_TESTS=1).
    static func databaseURL() throws -> String? {
        if let url = environment["DATABASE_URL"], !url.isEmpty { return url }
        if skipDatabase { return nil }
        throw Missing(variable: "DATABASE_URL")
    }

    static func redisURL() throws -> String? {
        if let url = environment["REDIS_URL"], !url.isEmpty { return url }
        if skipDatabase || RedisTestEnvironment.skip { return nil }
        throw Missing(variable: "REDIS_URL")
    }

    static var logger: Logger {
        var logger = Logger(label: "smally-accounts-test")
        logger.logLevel = .error  // the outages these tests stage are expected
        return logger
    }

    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UInt64.random(in: 0...UInt64.max) & 0xFFFF_FFFF_FFFF)"
    }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + uniqueName("smally-accounts")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs `body` with a fresh, migrated store of `backend`: a temporary SQLite file, or a
    /// PostgreSQL schema of its own (dropped afterwards), so tests run in parallel and repeatedly.
    /// Returns without running `body` only when the database tests are skipped.
    static func withStore(_ backend: Backend, logger: Logger = TestEnvironment.logger,
                          _ body: @escaping @Sendable (any AccountStore) async throws -> Void) async throws {
        switch backend {
        case .sqlite:
            let directory = temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let store = SQLiteAccountStore(path: directory + "/smally.sqlite", logger: logger)
            try await store.migrate()
            do {
                try await body(store)
            } catch {
                try? await store.close()
                throw error
            }
            try await store.close()
        case .postgres:
            guard let url = try databaseURL() else { return }
            try await withPostgres(url: url, logger: logger) { store in try await body(store) }
        }
    }

    static func withPostgres(url: String, logger: Logger, _ body: @escaping @Sendable (PostgresAccountStore) async throws -> Void) async throws {
        let schema = uniqueName("t").lowercased()
        var clientLogger = logger
        clientLogger.logLevel = .error  // not the "run() hasn't been called yet" race at start
        let client = PostgresClient(configuration: try PostgresSettings.clientConfiguration(url: url, maxConnections: 8, schema: schema),
                                    backgroundLogger: clientLogger)
        let store = PostgresAccountStore(client: client, schema: schema, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await store.migrate()
            do {
                try await body(store)
            } catch {
                _ = try? await client.query("DROP SCHEMA \(unescaped: "\"\(schema)\"") CASCADE")
                throw error
            }
            try await client.query("DROP SCHEMA \(unescaped: "\"\(schema)\"") CASCADE")
        }
    }

    /// A Redis client that is running and connected, for the duration of `body`.
    static func withRedis(metrics: any MetricsFactory = MetricsSystem.factory,
                          _ body: @escaping @Sendable (RedisClient) async throws -> Void) async throws {
        guard let url = try redisURL() else { return }
        var configuration = try RedisConfiguration(url: url)
        configuration.commandTimeout = .seconds(2)
        configuration.connectTimeout = .seconds(2)
        let client = RedisClient(configuration: configuration, logger: logger, metricsFactory: metrics)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            defer { group.cancelAll() }
            try await waitUntil("Redis connected", within: .seconds(30)) { client.isConnected }
            try await body(client)
        }
    }
}

/// Captures every log line (at trace level) so tests can search them.
struct LogCapture: Sendable {
    let handler = InMemoryLogHandler()

    var logger: Logger {
        var logger = Logger(label: "capture") { _ in handler }
        logger.logLevel = .trace
        return logger
    }

    /// Every message and metadata value, as text.
    var text: String {
        handler.entries.map { entry in
            "\(entry.level) \(entry.message) " + entry.metadata.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
                + (entry.error.map { " error=\(String(reflecting: $0))" } ?? "")
        }.joined(separator: "\n")
    }
}

/// A store whose calls fail while `down` is set, to play a database outage.
final class FlakyStore: AccountStore, @unchecked Sendable {
    let base: any AccountStore
    private let lock = NSLock()
    private var _down = false
    private var _applied = 0

    init(_ base: any AccountStore) { self.base = base }

    var down: Bool {
        get { lock.withLock { _down } }
        set { lock.withLock { _down = newValue } }
    }

    var appliedBatches: Int { lock.withLock { _applied } }

    /// How long `usage(…)` takes (to widen the window between a report's two reads).
    var usageReadDelay: Duration {
        get { lock.withLock { _usageReadDelay } }
        set { lock.withLock { _usageReadDelay = newValue } }
    }
    private var _usageReadDelay = Duration.zero

    struct Outage: Error, CustomStringConvertible { var description: String { "simulated outage" } }

    private func check() throws { if down { throw Outage() } }

    var backend: String { base.backend }
    func migrate() async throws -> [Int] { try check(); return try await base.migrate() }
    func appliedMigrations() async throws -> [Int] { try check(); return try await base.appliedMigrations() }
    func ping() async throws { try check(); try await base.ping() }
    func insertOrganization(_ organization: Organization) async throws { try check(); try await base.insertOrganization(organization) }
    func organization(named name: String) async throws -> Organization? { try check(); return try await base.organization(named: name) }
    func organization(id: String) async throws -> Organization? { try check(); return try await base.organization(id: id) }
    func organizations() async throws -> [Organization] { try check(); return try await base.organizations() }
    func updateOrganization(_ organization: Organization) async throws { try check(); try await base.updateOrganization(organization) }
    func updateOrganization(named name: String, _ change: @escaping @Sendable (inout Organization) throws -> Void) async throws -> Organization {
        try check(); return try await base.updateOrganization(named: name, change)
    }
    func insertKey(_ key: APIKeyRecord) async throws { try check(); try await base.insertKey(key) }
    func key(id: String) async throws -> APIKeyRecord? { try check(); return try await base.key(id: id) }
    func keys(organizationID: String?) async throws -> [APIKeyRecord] { try check(); return try await base.keys(organizationID: organizationID) }
    /// Calls of `credential(hash:)` so far (store lookups made by an authenticator).
    var credentialLookups: Int { lock.withLock { _credentialLookups } }
    private var _credentialLookups = 0

    /// Most `credential(hash:)` calls running at once so far.
    var peakConcurrentLookups: Int { lock.withLock { _peakLookups } }
    private var _runningLookups = 0
    private var _peakLookups = 0

    func credential(hash: String) async throws -> (key: APIKeyRecord, organization: Organization)? {
        lock.withLock {
            _credentialLookups += 1
            _runningLookups += 1
            _peakLookups = max(_peakLookups, _runningLookups)
        }
        defer { lock.withLock { _runningLookups -= 1 } }
        try check(); return try await base.credential(hash: hash)
    }
    func updateKey(_ key: APIKeyRecord) async throws { try check(); try await base.updateKey(key) }
    func apply(_ batch: UsageBatch) async throws {
        try check()
        try await base.apply(batch)
        lock.withLock { _applied += 1 }
    }
    func pruneAppliedBatches(before date: Date) async throws -> Int { try check(); return try await base.pruneAppliedBatches(before: date) }
    func usage(organizationID: String, from: Date, to: Date) async throws -> [KeyUsage] {
        try check()
        let rows = try await base.usage(organizationID: organizationID, from: from, to: to)
        if usageReadDelay > .zero { try await Task.sleep(for: usageReadDelay) }
        return rows
    }

    func usageByModel(organizationID: String, from: Date, to: Date) async throws -> [ModelUsage] {
        try check()
        return try await base.usageByModel(organizationID: organizationID, from: from, to: to)
    }
    func embeddings(organizationID: String, from: Date, to: Date) async throws -> Int {
        try check(); return try await base.embeddings(organizationID: organizationID, from: from, to: to)
    }
    func dailyUsage(organizationID: String, from: Date, to: Date) async throws -> [DailyUsage] {
        try check(); return try await base.dailyUsage(organizationID: organizationID, from: from, to: to)
    }
    func insertSession(_ session: ConsoleSessionRecord) async throws { try check(); try await base.insertSession(session) }
    func session(idHash: String) async throws -> ConsoleSessionRecord? { try check(); return try await base.session(idHash: idHash) }
    func touchSession(idHash: String, at date: Date) async throws { try check(); try await base.touchSession(idHash: idHash, at: date) }
    func deleteSession(idHash: String) async throws { try check(); try await base.deleteSession(idHash: idHash) }
    func deleteSessions(expiredBefore date: Date) async throws -> Int { try check(); return try await base.deleteSessions(expiredBefore: date) }
}

/// A clock tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) { current = start }

    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
}

extension AccountStore {
    func totals(organizationID: String, month: Date = Date()) async throws -> UsageCounts {
        let interval = QuotaPeriod.month(containing: month)
        return try await usage(organizationID: organizationID, from: interval.start, to: interval.end).reduce(.zero) { $0 + $1.counts }
    }
}
