import Foundation
import Logging
import NIOCore
import SQLiteNIO
import ServiceLifecycle
import Synchronization

/// ``AccountStore`` in one SQLite file (the embedded default, `SMALLY_DATA_DIR/smally.sqlite`).
///
/// One connection, opened on first use, in WAL mode so the CLI can work on the same file while
/// the server runs; statements and transactions are serialised by an ``AsyncLock``. A `Service`:
/// `run()` waits for graceful shutdown and then closes the connection, so add it before the usage
/// recorder (services stop in reverse order).
public final class SQLiteAccountStore: AccountStore, Service {
    public let path: String
    private let logger: Logger
    private let lock = AsyncLock()
    private let connection = Mutex<SQLiteConnection?>(nil)
    private let closed = Mutex(false)

    public var backend: String { "sqlite" }

    /// - Parameter path: the database file; its folder is created if missing.
    public init(path: String, logger: Logger) {
        self.path = path
        self.logger = logger
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }

    /// Closes the connection; later calls fail.
    public func close() async throws {
        try await lock.withLock {
            closed.withLock { $0 = true }
            if let open = connection.withLock({ connection in defer { connection = nil }; return connection }) {
                // In a task of its own: a cancelled task's statements may not run, and an SQLite
                // connection must be closed before it is released.
                try await Task { try await open.close() }.value
            }
        }
    }

    // MARK: Connection

    private func withConnection<T>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await lock.withLock {
            try await body(try await open())
        }
    }

    /// Runs `body` in an immediate (write-locking) transaction.
    private func withTransaction<T>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await withConnection { connection in
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                let result = try await body(connection)
                _ = try await connection.query("COMMIT")
                return result
            } catch {
                // Roll back even when this task was cancelled (a cancelled task's statements may not run),
                // or the connection would stay inside the failed transaction.
                _ = try? await Task { try await connection.query("ROLLBACK") }.value
                throw error
            }
        }
    }

    private func open() async throws -> SQLiteConnection {
        if closed.withLock({ $0 }) {
            throw AccountsError(.storageUnavailable, "the embedded store is closed")
        }
        if let existing = connection.withLock({ $0 }) { return existing }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw AccountsError(.configuration, "cannot create the data folder '\(directory)': \(error.localizedDescription)")
            }
        }
        var sqliteLogger = logger
        sqliteLogger.logLevel = .warning
        let opened = try await SQLiteConnection.open(storage: .file(path: path), logger: sqliteLogger)
        _ = try await opened.query("PRAGMA journal_mode = WAL")
        _ = try await opened.query("PRAGMA synchronous = NORMAL")
        _ = try await opened.query("PRAGMA foreign_keys = ON")
        connection.withLock { $0 = opened }
        return opened
    }

    // MARK: Migrations

    @discardableResult
    public func migrate() async throws -> [Int] {
        do {
            return try await withTransaction { connection in
                _ = try await connection.query("""
                    CREATE TABLE IF NOT EXISTS \(Migrations.tableName) (
                        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)
                    """)
                let applied = Set(try await connection.query("SELECT version FROM \(Migrations.tableName)").compactMap {
                    $0.column("version")?.integer
                })
                var done: [Int] = []
                for migration in Migrations.sqlite where !applied.contains(migration.version) {
                    for statement in migration.statements {
                        _ = try await connection.query(statement)
                    }
                    _ = try await connection.query(
                        "INSERT INTO \(Migrations.tableName) (version, name, applied_at) VALUES (?, ?, ?)",
                        [.integer(migration.version), .text(migration.name), .integer(Int(Timestamps.milliseconds(Date())))])
                    done.append(migration.version)
                }
                return done
            }
        } catch let error as AccountsError {
            throw error
        } catch {
            throw AccountsError(.migrationFailed, "SQLite migration failed: \(error)")
        }
    }

    public func appliedMigrations() async throws -> [Int] {
        try await withConnection { connection in
            try await connection.query("SELECT version FROM \(Migrations.tableName) ORDER BY version").compactMap {
                $0.column("version")?.integer
            }
        }
    }

    public func ping() async throws {
        _ = try await withConnection { try await $0.query("SELECT 1") }
    }

    // MARK: Organizations

    private static let organizationColumns = "id, name, tier, monthly_quota, requests_per_minute, created_at"

    public func insertOrganization(_ organization: Organization) async throws {
        let rows = try await withConnection { connection in
            try await connection.query("""
                INSERT INTO organizations (id, name, tier, monthly_quota, requests_per_minute, created_at)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id
                """, [.text(organization.id), .text(organization.name), .text(organization.tier.rawValue),
                      .optional(organization.monthlyQuota), .optional(organization.requestsPerMinute),
                      .date(organization.createdAt)])
        }
        if rows.isEmpty {
            throw AccountsError(.alreadyExists, "an organization named '\(organization.name)' exists already")
        }
    }

    public func organization(named name: String) async throws -> Organization? {
        try await organizations(where: "WHERE name = ?", [.text(name)]).first
    }

    public func organization(id: String) async throws -> Organization? {
        try await organizations(where: "WHERE id = ?", [.text(id)]).first
    }

    public func organizations() async throws -> [Organization] {
        try await organizations(where: "ORDER BY name", [])
    }

    private func organizations(where clause: String, _ binds: [SQLiteData]) async throws -> [Organization] {
        let rows = try await withConnection { connection in
            try await connection.query("SELECT \(Self.organizationColumns) FROM organizations \(clause)", binds)
        }
        return rows.map { Self.organization(from: $0) }
    }

    private static func organization(from row: SQLiteRow, prefix: String = "") -> Organization {
        Organization(id: row.column(prefix + "id")?.string ?? "",
                     name: row.column(prefix + "name")?.string ?? "",
                     tier: row.column(prefix + "tier")?.string.flatMap(Tier.init(rawValue:)) ?? .free,
                     monthlyQuota: row.column(prefix + "monthly_quota")?.optionalInt,
                     requestsPerMinute: row.column(prefix + "requests_per_minute")?.optionalInt,
                     createdAt: row.column(prefix + "created_at")?.optionalDate ?? Date(timeIntervalSince1970: 0))
    }

    public func updateOrganization(_ organization: Organization) async throws {
        _ = try await withConnection { connection in
            try await connection.query(
                "UPDATE organizations SET tier = ?, monthly_quota = ?, requests_per_minute = ? WHERE id = ?",
                [.text(organization.tier.rawValue), .optional(organization.monthlyQuota),
                 .optional(organization.requestsPerMinute), .text(organization.id)])
        }
    }

    public func updateOrganization(named name: String, _ change: @escaping @Sendable (inout Organization) throws -> Void) async throws -> Organization {
        // BEGIN IMMEDIATE takes the write lock before the read: no other writer between the two.
        try await withTransaction { connection in
            let rows = try await connection.query("SELECT \(Self.organizationColumns) FROM organizations WHERE name = ?", [.text(name)])
            guard let row = rows.first else {
                throw AccountsError(.notFound, "no organization named '\(name.prefix(64))'")
            }
            var organization = Self.organization(from: row)
            try change(&organization)
            _ = try await connection.query(
                "UPDATE organizations SET tier = ?, monthly_quota = ?, requests_per_minute = ? WHERE id = ?",
                [.text(organization.tier.rawValue), .optional(organization.monthlyQuota),
                 .optional(organization.requestsPerMinute), .text(organization.id)])
            return organization
        }
    }

    // MARK: Keys

    private static let keyColumns = "k.id, k.organization_id, k.name, k.prefix, k.key_hash, k.created_at, k.last_used_at, k.expires_at, k.revoked_at, k.role"

    public func insertKey(_ key: APIKeyRecord) async throws {
        _ = try await withConnection { connection in
            try await connection.query("""
                INSERT INTO api_keys (id, organization_id, name, prefix, key_hash, created_at, last_used_at, expires_at, revoked_at, role)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(key.id), .text(key.organizationID), .text(key.name), .text(key.prefix), .text(key.hash),
                      .date(key.createdAt), .optional(key.lastUsedAt), .optional(key.expiresAt), .optional(key.revokedAt),
                      .text(key.role.rawValue)])
        }
    }

    public func key(id: String) async throws -> APIKeyRecord? {
        try await keys(where: "WHERE k.id = ?", [.text(id)]).first
    }

    public func keys(organizationID: String?) async throws -> [APIKeyRecord] {
        if let organizationID {
            return try await keys(where: "WHERE k.organization_id = ? ORDER BY k.created_at, k.id", [.text(organizationID)])
        }
        return try await keys(where: "ORDER BY k.created_at, k.id", [])
    }

    private func keys(where clause: String, _ binds: [SQLiteData]) async throws -> [APIKeyRecord] {
        let rows = try await withConnection { connection in
            try await connection.query("SELECT \(Self.keyColumns) FROM api_keys k \(clause)", binds)
        }
        return rows.map(Self.key(from:))
    }

    private static func key(from row: SQLiteRow) -> APIKeyRecord {
        APIKeyRecord(id: row.column("id")?.string ?? "",
                     organizationID: row.column("organization_id")?.string ?? "",
                     name: row.column("name")?.string ?? "",
                     prefix: row.column("prefix")?.string ?? "",
                     hash: row.column("key_hash")?.string ?? "",
                     createdAt: row.column("created_at")?.optionalDate ?? Date(timeIntervalSince1970: 0),
                     lastUsedAt: row.column("last_used_at")?.optionalDate,
                     expiresAt: row.column("expires_at")?.optionalDate,
                     revokedAt: row.column("revoked_at")?.optionalDate,
                     role: row.column("role")?.string.flatMap(KeyRole.init(rawValue:)) ?? .embed)
    }

    public func credential(hash: String) async throws -> (key: APIKeyRecord, organization: Organization)? {
        let rows = try await withConnection { connection in
            try await connection.query("""
                SELECT \(Self.keyColumns), o.id AS o_id, o.name AS o_name, o.tier AS o_tier, o.monthly_quota AS o_monthly_quota,
                       o.requests_per_minute AS o_requests_per_minute, o.created_at AS o_created_at
                FROM api_keys k JOIN organizations o ON o.id = k.organization_id
                WHERE k.key_hash = ?
                """, [.text(hash)])
        }
        guard let row = rows.first else { return nil }
        return (Self.key(from: row), Self.organization(from: row, prefix: "o_"))
    }

    public func updateKey(_ key: APIKeyRecord) async throws {
        _ = try await withConnection { connection in
            try await connection.query("UPDATE api_keys SET name = ?, expires_at = ?, revoked_at = ? WHERE id = ?",
                                       [.text(key.name), .optional(key.expiresAt), .optional(key.revokedAt), .text(key.id)])
        }
    }

    // MARK: Usage

    public func apply(_ batch: UsageBatch) async throws {
        try await withTransaction { connection in
            let marker = try await connection.query(
                "INSERT INTO usage_batches (id, applied_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING RETURNING id",
                [.text(batch.id), .date(Date())])
            guard !marker.isEmpty else { return }  // applied before
            for (bucket, counts) in batch.orderedCounts {  // one order on every node
                _ = try await connection.query("""
                    INSERT INTO usage_minutes (organization_id, key_id, minute, model, requests, embeddings, tokens, cache_hits)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (organization_id, minute, key_id, model) DO UPDATE SET
                        requests = requests + excluded.requests,
                        embeddings = embeddings + excluded.embeddings,
                        tokens = tokens + excluded.tokens,
                        cache_hits = cache_hits + excluded.cache_hits
                    """, [.text(bucket.organizationID), .text(bucket.keyID), .integer(Int(bucket.minute)), .text(bucket.model),
                          .integer(counts.requests), .integer(counts.embeddings), .integer(counts.tokens), .integer(counts.cacheHits)])
            }
            for (keyID, at) in batch.orderedLastUsed {
                _ = try await connection.query(
                    "UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?",
                    [.date(at), .text(keyID)])
            }
        }
    }

    public func pruneAppliedBatches(before date: Date) async throws -> Int {
        try await withConnection { connection in
            try await connection.query("DELETE FROM usage_batches WHERE applied_at < ? RETURNING id", [.date(date)]).count
        }
    }

    public func usage(organizationID: String, from: Date, to: Date) async throws -> [KeyUsage] {
        try await totals(groupedBy: "key_id", organizationID: organizationID, from: from, to: to).map { KeyUsage(keyID: $0, counts: $1) }
    }

    public func usageByModel(organizationID: String, from: Date, to: Date) async throws -> [ModelUsage] {
        try await totals(groupedBy: "model", organizationID: organizationID, from: from, to: to).map { ModelUsage(model: $0, counts: $1) }
    }

    /// Sums of an organization's rows in `from ..< to` per value of `column` (a constant of ours).
    private func totals(groupedBy column: String, organizationID: String, from: Date, to: Date) async throws -> [(String, UsageCounts)] {
        let rows = try await withConnection { connection in
            try await connection.query("""
                SELECT \(column) AS grouped, SUM(requests) AS requests, SUM(embeddings) AS embeddings, SUM(tokens) AS tokens,
                       SUM(cache_hits) AS cache_hits
                FROM usage_minutes WHERE organization_id = ? AND minute >= ? AND minute < ?
                GROUP BY \(column) ORDER BY \(column)
                """, [.text(organizationID), .integer(Self.seconds(from)), .integer(Self.seconds(to))])
        }
        return rows.map { row in
            (row.column("grouped")?.string ?? "",
             UsageCounts(requests: row.column("requests")?.optionalInt ?? 0, embeddings: row.column("embeddings")?.optionalInt ?? 0,
                         tokens: row.column("tokens")?.optionalInt ?? 0, cacheHits: row.column("cache_hits")?.optionalInt ?? 0))
        }
    }

    public func embeddings(organizationID: String, from: Date, to: Date) async throws -> Int {
        let rows = try await withConnection { connection in
            try await connection.query(
                "SELECT COALESCE(SUM(embeddings), 0) AS total FROM usage_minutes WHERE organization_id = ? AND minute >= ? AND minute < ?",
                [.text(organizationID), .integer(Self.seconds(from)), .integer(Self.seconds(to))])
        }
        return rows.first?.column("total")?.optionalInt ?? 0
    }

    public func dailyUsage(organizationID: String, from: Date, to: Date) async throws -> [DailyUsage] {
        // Minutes are Unix seconds: integer division by 86,400 is the UTC day.
        let rows = try await withConnection { connection in
            try await connection.query("""
                SELECT minute / 86400 AS day, SUM(requests) AS requests, SUM(embeddings) AS embeddings, SUM(tokens) AS tokens,
                       SUM(cache_hits) AS cache_hits
                FROM usage_minutes WHERE organization_id = ? AND minute >= ? AND minute < ?
                GROUP BY minute / 86400 ORDER BY day
                """, [.text(organizationID), .integer(Self.seconds(from)), .integer(Self.seconds(to))])
        }
        return rows.map { row in
            DailyUsage(day: Date(timeIntervalSince1970: TimeInterval((row.column("day")?.optionalInt ?? 0) * 86_400)),
                       counts: UsageCounts(requests: row.column("requests")?.optionalInt ?? 0,
                                           embeddings: row.column("embeddings")?.optionalInt ?? 0,
                                           tokens: row.column("tokens")?.optionalInt ?? 0,
                                           cacheHits: row.column("cache_hits")?.optionalInt ?? 0))
        }
    }

    // MARK: Console sessions

    public func insertSession(_ session: ConsoleSessionRecord) async throws {
        _ = try await withConnection { connection in
            try await connection.query("""
                INSERT INTO console_sessions (id_hash, organization_id, key_id, csrf_token, created_at, last_seen_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [.text(session.idHash), session.organizationID.map { .text($0) } ?? .null, session.keyID.map { .text($0) } ?? .null,
                      .text(session.csrfToken), .date(session.createdAt), .date(session.lastSeenAt), .date(session.expiresAt)])
        }
    }

    public func session(idHash: String) async throws -> ConsoleSessionRecord? {
        let rows = try await withConnection { connection in
            try await connection.query("""
                SELECT id_hash, organization_id, key_id, csrf_token, created_at, last_seen_at, expires_at
                FROM console_sessions WHERE id_hash = ?
                """, [.text(idHash)])
        }
        return rows.first.map { row in
            ConsoleSessionRecord(idHash: row.column("id_hash")?.string ?? "",
                                 organizationID: row.column("organization_id")?.string,
                                 keyID: row.column("key_id")?.string,
                                 csrfToken: row.column("csrf_token")?.string ?? "",
                                 createdAt: row.column("created_at")?.optionalDate ?? Date(timeIntervalSince1970: 0),
                                 lastSeenAt: row.column("last_seen_at")?.optionalDate ?? Date(timeIntervalSince1970: 0),
                                 expiresAt: row.column("expires_at")?.optionalDate ?? Date(timeIntervalSince1970: 0))
        }
    }

    public func touchSession(idHash: String, at date: Date) async throws {
        _ = try await withConnection { connection in
            try await connection.query("UPDATE console_sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE id_hash = ?",
                                       [.date(date), .text(idHash)])
        }
    }

    public func deleteSession(idHash: String) async throws {
        _ = try await withConnection { connection in
            try await connection.query("DELETE FROM console_sessions WHERE id_hash = ?", [.text(idHash)])
        }
    }

    public func deleteSessions(expiredBefore date: Date) async throws -> Int {
        try await withConnection { connection in
            try await connection.query("DELETE FROM console_sessions WHERE expires_at < ? RETURNING id_hash", [.date(date)]).count
        }
    }

    /// Usage minutes are whole Unix seconds; a bound inside a minute rounds up to the next second.
    private static func seconds(_ date: Date) -> Int {
        Int(date.timeIntervalSince1970.rounded(.up))
    }
}

extension SQLiteData {
    static func optional(_ value: Int?) -> SQLiteData {
        value.map { .integer($0) } ?? .null
    }

    static func optional(_ value: Date?) -> SQLiteData {
        value.map { .date($0) } ?? .null
    }

    /// Dates are stored as Unix milliseconds.
    static func date(_ value: Date) -> SQLiteData {
        .integer(Int(Timestamps.milliseconds(value)))
    }

    var optionalInt: Int? {
        if case .null = self { return nil }
        return integer
    }

    var optionalDate: Date? {
        optionalInt.map { Timestamps.date(milliseconds: Int64($0)) }
    }
}
