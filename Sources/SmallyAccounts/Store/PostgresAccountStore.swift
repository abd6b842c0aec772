import Foundation
import Logging
import NIOCore
import PostgresNIO

/// ``AccountStore`` on PostgreSQL through postgres-nio's pooled `PostgresClient`.
///
/// The client is a `Service`: whoever builds the store must also run the client (add it to the
/// application's services *before* the usage recorder, so the recorder's final flush still has a
/// database). Queries wait for a pooled connection; callers on the request path bound them with
/// a timeout (see ``KeyAuthenticator``).
public final class PostgresAccountStore: AccountStore {
    public let client: PostgresClient
    /// Tables live in this schema when set (created by ``migrate()``); the client's connections
    /// must use it as `search_path` (``PostgresSettings/clientConfiguration(url:maxConnections:schema:)`` does that).
    public let schema: String?
    private let logger: Logger

    public var backend: String { "postgres" }

    public init(client: PostgresClient, schema: String? = nil, logger: Logger) {
        self.client = client
        self.schema = schema
        self.logger = logger
    }

    // MARK: Migrations

    /// Migrations hold a transaction-scoped advisory lock, so nodes starting together apply each
    /// version once; DDL is transactional in PostgreSQL, so a failed version leaves nothing behind.
    @discardableResult
    public func migrate() async throws -> [Int] {
        let logger = self.logger
        let schema = self.schema
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(7243117001)", logger: logger)
                if let schema {
                    try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: PostgresSettings.quoted(schema))", logger: logger)
                }
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS \(unescaped: Migrations.tableName) (
                        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)
                    """, logger: logger)
                var applied = Set<Int>()
                for try await version in try await connection.query("SELECT version FROM \(unescaped: Migrations.tableName)",
                                                                     logger: logger).decode(Int.self) {
                    applied.insert(version)
                }
                var done: [Int] = []
                for migration in Migrations.postgres where !applied.contains(migration.version) {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query("""
                        INSERT INTO \(unescaped: Migrations.tableName) (version, name, applied_at)
                        VALUES (\(migration.version), \(migration.name), \(Date()))
                        """, logger: logger)
                    done.append(migration.version)
                }
                return done
            }
        } catch let error as PostgresTransactionError {
            throw AccountsError(.migrationFailed, "PostgreSQL migration failed: \(String(reflecting: error.closureError ?? error.beginError ?? error.commitError ?? error))")
        }
    }

    public func appliedMigrations() async throws -> [Int] {
        var versions: [Int] = []
        let rows = try await client.query("SELECT version FROM \(unescaped: Migrations.tableName) ORDER BY version", logger: logger)
        for try await version in rows.decode(Int.self) { versions.append(version) }
        return versions
    }

    public func ping() async throws {
        try await client.query("SELECT 1", logger: logger)
    }

    // MARK: Organizations

    private static let organizationColumns = "id, name, tier, monthly_quota, requests_per_minute, created_at"

    public func insertOrganization(_ organization: Organization) async throws {
        let rows = try await client.query("""
            INSERT INTO organizations (id, name, tier, monthly_quota, requests_per_minute, created_at)
            VALUES (\(organization.id), \(organization.name), \(organization.tier.rawValue), \(organization.monthlyQuota),
                    \(organization.requestsPerMinute), \(organization.createdAt))
            ON CONFLICT (name) DO NOTHING
            RETURNING id
            """, logger: logger)
        var inserted = false
        for try await _ in rows.decode(String.self) { inserted = true }
        if !inserted {
            throw AccountsError(.alreadyExists, "an organization named '\(organization.name)' exists already")
        }
    }

    public func organization(named name: String) async throws -> Organization? {
        try await organizations(query: "SELECT \(unescaped: Self.organizationColumns) FROM organizations WHERE name = \(name)").first
    }

    public func organization(id: String) async throws -> Organization? {
        try await organizations(query: "SELECT \(unescaped: Self.organizationColumns) FROM organizations WHERE id = \(id)").first
    }

    public func organizations() async throws -> [Organization] {
        try await organizations(query: "SELECT \(unescaped: Self.organizationColumns) FROM organizations ORDER BY name")
    }

    private func organizations(query: PostgresQuery) async throws -> [Organization] {
        var result: [Organization] = []
        let rows = try await client.query(query, logger: logger)
        for try await (id, name, tier, quota, perMinute, created) in rows.decode((String, String, String, Int?, Int?, Date).self) {
            result.append(Organization(id: id, name: name, tier: Tier(rawValue: tier) ?? .free, monthlyQuota: quota,
                                       requestsPerMinute: perMinute, createdAt: ms(created)))
        }
        return result
    }

    public func updateOrganization(_ organization: Organization) async throws {
        try await client.query("""
            UPDATE organizations SET tier = \(organization.tier.rawValue), monthly_quota = \(organization.monthlyQuota),
                requests_per_minute = \(organization.requestsPerMinute)
            WHERE id = \(organization.id)
            """, logger: logger)
    }

    public func updateOrganization(named name: String, _ change: @escaping @Sendable (inout Organization) throws -> Void) async throws -> Organization {
        let logger = self.logger
        do {
            return try await client.withTransaction(logger: logger) { connection in
                // FOR UPDATE: a concurrent edit waits for this commit and then reads our result.
                let rows = try await connection.query("""
                    SELECT \(unescaped: Self.organizationColumns) FROM organizations WHERE name = \(name) FOR UPDATE
                    """, logger: logger)
                var found: Organization?
                for try await (id, name, tier, quota, perMinute, created) in rows.decode((String, String, String, Int?, Int?, Date).self) {
                    found = Organization(id: id, name: name, tier: Tier(rawValue: tier) ?? .free, monthlyQuota: quota,
                                         requestsPerMinute: perMinute, createdAt: ms(created))
                }
                guard var organization = found else {
                    throw AccountsError(.notFound, "no organization named '\(name.prefix(64))'")
                }
                try change(&organization)
                try await connection.query("""
                    UPDATE organizations SET tier = \(organization.tier.rawValue), monthly_quota = \(organization.monthlyQuota),
                        requests_per_minute = \(organization.requestsPerMinute)
                    WHERE id = \(organization.id)
                    """, logger: logger)
                return organization
            }
        } catch let error as PostgresTransactionError {
            // Our own errors (not found, invalid change) come back as they were thrown.
            if let closureError = error.closureError as? AccountsError { throw closureError }
            throw error.closureError ?? error.beginError ?? error.commitError ?? error
        }
    }

    // MARK: Keys

    private static let keyColumns = "k.id, k.organization_id, k.name, k.prefix, k.key_hash, k.created_at, k.last_used_at, k.expires_at, k.revoked_at, k.role"

    public func insertKey(_ key: APIKeyRecord) async throws {
        try await client.query("""
            INSERT INTO api_keys (id, organization_id, name, prefix, key_hash, created_at, last_used_at, expires_at, revoked_at, role)
            VALUES (\(key.id), \(key.organizationID), \(key.name), \(key.prefix), \(key.hash), \(key.createdAt),
                    \(key.lastUsedAt), \(key.expiresAt), \(key.revokedAt), \(key.role.rawValue))
            """, logger: logger)
    }

    public func key(id: String) async throws -> APIKeyRecord? {
        try await keys(query: "SELECT \(unescaped: Self.keyColumns) FROM api_keys k WHERE k.id = \(id)").first
    }

    public func keys(organizationID: String?) async throws -> [APIKeyRecord] {
        if let organizationID {
            return try await keys(query: """
                SELECT \(unescaped: Self.keyColumns) FROM api_keys k WHERE k.organization_id = \(organizationID)
                ORDER BY k.created_at, k.id
                """)
        }
        return try await keys(query: "SELECT \(unescaped: Self.keyColumns) FROM api_keys k ORDER BY k.created_at, k.id")
    }

    private func keys(query: PostgresQuery) async throws -> [APIKeyRecord] {
        var result: [APIKeyRecord] = []
        let rows = try await client.query(query, logger: logger)
        for try await (id, org, name, prefix, hash, created, lastUsed, expires, revoked, role)
            in rows.decode((String, String, String, String, String, Date, Date?, Date?, Date?, String).self) {
            result.append(APIKeyRecord(id: id, organizationID: org, name: name, prefix: prefix, hash: hash, createdAt: ms(created),
                                       lastUsedAt: lastUsed.map(ms), expiresAt: expires.map(ms), revokedAt: revoked.map(ms),
                                       role: KeyRole(rawValue: role) ?? .embed))
        }
        return result
    }

    public func credential(hash: String) async throws -> (key: APIKeyRecord, organization: Organization)? {
        let rows = try await client.query("""
            SELECT \(unescaped: Self.keyColumns), o.id, o.name, o.tier, o.monthly_quota, o.requests_per_minute, o.created_at
            FROM api_keys k JOIN organizations o ON o.id = k.organization_id
            WHERE k.key_hash = \(hash)
            """, logger: logger)
        for try await (id, org, name, prefix, keyHash, created, lastUsed, expires, revoked, role, orgID, orgName, tier, quota, perMinute, orgCreated)
            in rows.decode((String, String, String, String, String, Date, Date?, Date?, Date?, String, String, String, String, Int?, Int?, Date).self) {
            let key = APIKeyRecord(id: id, organizationID: org, name: name, prefix: prefix, hash: keyHash, createdAt: ms(created),
                                   lastUsedAt: lastUsed.map(ms), expiresAt: expires.map(ms), revokedAt: revoked.map(ms),
                                   role: KeyRole(rawValue: role) ?? .embed)
            let organization = Organization(id: orgID, name: orgName, tier: Tier(rawValue: tier) ?? .free, monthlyQuota: quota,
                                            requestsPerMinute: perMinute, createdAt: ms(orgCreated))
            return (key, organization)
        }
        return nil
    }

    public func updateKey(_ key: APIKeyRecord) async throws {
        try await client.query("""
            UPDATE api_keys SET name = \(key.name), expires_at = \(key.expiresAt), revoked_at = \(key.revokedAt)
            WHERE id = \(key.id)
            """, logger: logger)
    }

    // MARK: Usage

    public func apply(_ batch: UsageBatch) async throws {
        let logger = self.logger
        var organizations: [String] = [], keys: [String] = [], minutes: [Date] = [], models: [String] = []
        var requests: [Int] = [], embeddings: [Int] = [], tokens: [Int] = [], hits: [Int] = []
        // Rows and keys in one global order (see UsageBatch.orderedCounts): row locks are taken in
        // that order, so two nodes writing overlapping rows cannot deadlock.
        for (bucket, counts) in batch.orderedCounts {
            organizations.append(bucket.organizationID)
            keys.append(bucket.keyID)
            minutes.append(Date(timeIntervalSince1970: TimeInterval(bucket.minute)))
            models.append(bucket.model)
            requests.append(counts.requests)
            embeddings.append(counts.embeddings)
            tokens.append(counts.tokens)
            hits.append(counts.cacheHits)
        }
        let orderedLastUsed = batch.orderedLastUsed
        let usedKeys = orderedLastUsed.map(\.keyID)
        let usedAt = orderedLastUsed.map(\.at)
        let batchID = batch.id
        try await client.withTransaction(logger: logger) { connection in
            let marker = try await connection.query("""
                INSERT INTO usage_batches (id, applied_at) VALUES (\(batchID), \(Date()))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, logger: logger)
            var fresh = false
            for try await _ in marker.decode(String.self) { fresh = true }
            guard fresh else { return }  // applied before; the reply was lost
            if !organizations.isEmpty {
                try await connection.query("""
                    INSERT INTO usage_minutes AS u (organization_id, key_id, minute, model, requests, embeddings, tokens, cache_hits)
                    SELECT o, k, m, d, r, e, t, h
                    FROM UNNEST(\(organizations)::text[], \(keys)::text[], \(minutes)::timestamptz[], \(models)::text[],
                                \(requests)::bigint[], \(embeddings)::bigint[], \(tokens)::bigint[], \(hits)::bigint[])
                         WITH ORDINALITY AS v(o, k, m, d, r, e, t, h, n)
                    ORDER BY n
                    ON CONFLICT (organization_id, minute, key_id, model) DO UPDATE SET
                        requests = u.requests + EXCLUDED.requests,
                        embeddings = u.embeddings + EXCLUDED.embeddings,
                        tokens = u.tokens + EXCLUDED.tokens,
                        cache_hits = u.cache_hits + EXCLUDED.cache_hits
                    """, logger: logger)
            }
            if !usedKeys.isEmpty {
                // UPDATE … FROM may visit rows in any order: lock them in key order first.
                try await connection.query("""
                    SELECT 1 FROM api_keys WHERE id = ANY(\(usedKeys)::text[]) ORDER BY id FOR UPDATE
                    """, logger: logger)
                try await connection.query("""
                    UPDATE api_keys AS k SET last_used_at = GREATEST(COALESCE(k.last_used_at, v.at), v.at)
                    FROM UNNEST(\(usedKeys)::text[], \(usedAt)::timestamptz[]) AS v(id, at)
                    WHERE k.id = v.id
                    """, logger: logger)
            }
        }
    }

    public func pruneAppliedBatches(before date: Date) async throws -> Int {
        let rows = try await client.query("DELETE FROM usage_batches WHERE applied_at < \(date) RETURNING id", logger: logger)
        var count = 0
        for try await _ in rows.decode(String.self) { count += 1 }
        return count
    }

    public func usage(organizationID: String, from: Date, to: Date) async throws -> [KeyUsage] {
        try await totals(groupedBy: "key_id", organizationID: organizationID, from: from, to: to).map { KeyUsage(keyID: $0, counts: $1) }
    }

    public func usageByModel(organizationID: String, from: Date, to: Date) async throws -> [ModelUsage] {
        try await totals(groupedBy: "model", organizationID: organizationID, from: from, to: to).map { ModelUsage(model: $0, counts: $1) }
    }

    /// Sums of an organization's rows in `from ..< to` per value of `column` (a constant of ours).
    private func totals(groupedBy column: String, organizationID: String, from: Date, to: Date) async throws -> [(String, UsageCounts)] {
        let rows = try await client.query("""
            SELECT \(unescaped: column), SUM(requests)::bigint, SUM(embeddings)::bigint, SUM(tokens)::bigint, SUM(cache_hits)::bigint
            FROM usage_minutes
            WHERE organization_id = \(organizationID) AND minute >= \(from) AND minute < \(to)
            GROUP BY \(unescaped: column) ORDER BY \(unescaped: column)
            """, logger: logger)
        var result: [(String, UsageCounts)] = []
        for try await (group, requests, embeddings, tokens, hits) in rows.decode((String, Int, Int, Int, Int).self) {
            result.append((group, UsageCounts(requests: requests, embeddings: embeddings, tokens: tokens, cacheHits: hits)))
        }
        return result
    }

    public func embeddings(organizationID: String, from: Date, to: Date) async throws -> Int {
        let rows = try await client.query("""
            SELECT COALESCE(SUM(embeddings), 0)::bigint FROM usage_minutes
            WHERE organization_id = \(organizationID) AND minute >= \(from) AND minute < \(to)
            """, logger: logger)
        for try await total in rows.decode(Int.self) { return total }
        return 0
    }
}

extension PostgresAccountStore {
    public func dailyUsage(organizationID: String, from: Date, to: Date) async throws -> [DailyUsage] {
        guard from < to else { return [] }
        let firstDay = Int((from.timeIntervalSince1970 / 86_400).rounded(.down))
        let lastDay = Int(((to.timeIntervalSince1970 - 0.001) / 86_400).rounded(.down))
        let logger = self.logger
        // One index range scan and sum per day: a GROUP BY on the day sorted every minute row of
        // the window first (~45,000 for a month, spilling to disk at the default work_mem) and
        // took twice as long. JIT off: the planner's estimate for the 31 scans crosses
        // jit_above_cost, and compiling took longer (~23 ms) than the query.
        return try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SET LOCAL jit = off", logger: logger)
            let rows = try await connection.query("""
                SELECT d.day, s.r, s.e, s.t, s.h
                FROM generate_series(\(firstDay)::bigint, \(lastDay)::bigint) AS d(day)
                CROSS JOIN LATERAL (
                    SELECT SUM(requests)::bigint AS r, SUM(embeddings)::bigint AS e, SUM(tokens)::bigint AS t, SUM(cache_hits)::bigint AS h
                    FROM usage_minutes
                    WHERE organization_id = \(organizationID)
                      AND minute >= to_timestamp(d.day * 86400) AND minute < to_timestamp((d.day + 1) * 86400)
                      AND minute >= \(from) AND minute < \(to)
                ) AS s
                WHERE s.r IS NOT NULL
                ORDER BY d.day
                """, logger: logger)
            var result: [DailyUsage] = []
            for try await (day, requests, embeddings, tokens, hits) in rows.decode((Int, Int, Int, Int, Int).self) {
                result.append(DailyUsage(day: Date(timeIntervalSince1970: TimeInterval(day * 86_400)),
                                         counts: UsageCounts(requests: requests, embeddings: embeddings, tokens: tokens, cacheHits: hits)))
            }
            return result
        }
    }

    // MARK: Console sessions

    public func insertSession(_ session: ConsoleSessionRecord) async throws {
        try await client.query("""
            INSERT INTO console_sessions (id_hash, organization_id, key_id, csrf_token, created_at, last_seen_at, expires_at)
            VALUES (\(session.idHash), \(session.organizationID), \(session.keyID), \(session.csrfToken), \(session.createdAt),
                    \(session.lastSeenAt), \(session.expiresAt))
            """, logger: logger)
    }

    public func session(idHash: String) async throws -> ConsoleSessionRecord? {
        let rows = try await client.query("""
            SELECT id_hash, organization_id, key_id, csrf_token, created_at, last_seen_at, expires_at
            FROM console_sessions WHERE id_hash = \(idHash)
            """, logger: logger)
        for try await (hash, org, key, csrf, created, lastSeen, expires) in rows.decode((String, String?, String?, String, Date, Date, Date).self) {
            return ConsoleSessionRecord(idHash: hash, organizationID: org, keyID: key, csrfToken: csrf, createdAt: ms(created),
                                        lastSeenAt: ms(lastSeen), expiresAt: ms(expires))
        }
        return nil
    }

    public func touchSession(idHash: String, at date: Date) async throws {
        try await client.query("""
            UPDATE console_sessions SET last_seen_at = GREATEST(last_seen_at, \(date)) WHERE id_hash = \(idHash)
            """, logger: logger)
    }

    public func deleteSession(idHash: String) async throws {
        try await client.query("DELETE FROM console_sessions WHERE id_hash = \(idHash)", logger: logger)
    }

    public func deleteSessions(expiredBefore date: Date) async throws -> Int {
        let rows = try await client.query("DELETE FROM console_sessions WHERE expires_at < \(date) RETURNING id_hash", logger: logger)
        var count = 0
        for try await _ in rows.decode(String.self) { count += 1 }
        return count
    }
}

// MARK: Quota counters

extension PostgresAccountStore: QuotaCounterStore {
    /// One `UPDATE … WHERE used + n <= limit RETURNING used` per admission: the row lock makes
    /// concurrent admissions from every node queue on the row, so exactly what remains is admitted.
    /// Only a refusal or a new month costs more statements.
    ///
    /// The row lock is held until the commit, so a commit that waits for its WAL flush (fsync)
    /// would serialize an organization's admissions at the disk's flush rate: measured with
    /// pgbench, 8 clients on one row, 400–690 admissions/s. The statement's own (implicit)
    /// transaction commits asynchronously instead (`set_config('synchronous_commit', 'off', true)`
    /// in the statement, so still one round trip): 19,000–23,000/s (a BEGIN / SET LOCAL / UPDATE /
    /// COMMIT transaction: 3,000–5,900/s). The price: a PostgreSQL crash may forget the last moments' increments (the
    /// WAL writer flushes within ~0.6 s), i.e. re-admit that many embeddings; usage rows are
    /// written by their own synchronous transactions and are not affected.
    public func addToQuota(organizationID: String, month: QuotaPeriod.Interval, count: Int, limit: Int) async throws -> (allowed: Bool, used: Int) {
        let start = ms(month.start)
        // A read (count 0) never refuses, even when the count went past the limit (admissions of
        // a database outage added back).
        let limit = count <= 0 ? Int.max : limit
        for _ in 0..<4 {
            let rows = try await client.query("""
                UPDATE quota_months SET used = used + \(count)
                FROM (SELECT set_config('synchronous_commit', 'off', true)) AS this_transaction
                WHERE organization_id = \(organizationID) AND month = \(start) AND used + \(count) <= \(limit)
                RETURNING used
                """, logger: logger)
            var added: Int?
            for try await used in rows.decode(Int.self) { added = used }
            if let added { return (true, added) }
            // Refused, or no counter yet: read it; create it from the recorded usage when missing.
            // A counter that now has room was created (or given back to) since the UPDATE: again.
            let current = try await client.query("""
                SELECT used FROM quota_months WHERE organization_id = \(organizationID) AND month = \(start)
                """, logger: logger)
            var found: Int?
            for try await used in current.decode(Int.self) { found = used }
            if let found {
                if found + count > limit { return (false, found) }
            } else {
                try await createQuotaCounter(organizationID: organizationID, month: month)
            }
        }
        throw AccountsError(.storageUnavailable, "quota counter of \(organizationID) kept changing under four attempts")
    }

    public func adjustQuota(organizationID: String, month: QuotaPeriod.Interval, delta: Int) async throws {
        try await createQuotaCounter(organizationID: organizationID, month: month)
        try await client.query("""
            UPDATE quota_months SET used = GREATEST(0, used + \(delta))
            WHERE organization_id = \(organizationID) AND month = \(ms(month.start))
            """, logger: logger)
    }

    /// The month's counter, from the usage recorded so far; nothing when it exists (nodes racing
    /// to create it agree on one row).
    private func createQuotaCounter(organizationID: String, month: QuotaPeriod.Interval) async throws {
        try await client.query("""
            INSERT INTO quota_months (organization_id, month, used)
            SELECT \(organizationID), \(ms(month.start)), COALESCE(SUM(embeddings), 0)::bigint FROM usage_minutes
            WHERE organization_id = \(organizationID) AND minute >= \(month.start) AND minute < \(month.end)
            ON CONFLICT (organization_id, month) DO NOTHING
            """, logger: logger)
    }
}

/// Stored times are whole milliseconds (see ``Timestamps``); PostgreSQL keeps microseconds.
private func ms(_ date: Date) -> Date { Timestamps.nearestMillisecond(date) }

/// `DATABASE_URL` → `PostgresClient.Configuration`.
public enum PostgresSettings {
    /// Parses `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`
    /// (`postgresql://` too). TLS: `sslmode=disable` turns it off, `require`/`verify-full` demand
    /// it, anything else prefers it. `maxConnections` is `DATABASE_MAX_CONNECTIONS` (default 20).
    /// With `schema`, every connection gets it as `search_path`.
    public static func clientConfiguration(url: String, maxConnections: Int = 20, schema: String? = nil) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "postgres" || scheme == "postgresql" else {
            throw AccountsError(.configuration, "DATABASE_URL must look like postgres://user:password@host:5432/database")
        }
        let host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        let user = components.user?.removingPercentEncoding ?? "postgres"
        let password = components.password?.removingPercentEncoding
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        let sslmode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value?.lowercased() ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch sslmode {
        case "disable": tls = .disable
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(host: host, port: components.port ?? 5432, username: user,
                                                         password: password, database: database.isEmpty ? nil : database, tls: tls)
        configuration.options.maximumConnections = max(1, maxConnections)
        configuration.options.connectTimeout = .seconds(3)
        if let schema {
            try validate(schema: schema)
            configuration.options.additionalStartupParameters = [("search_path", schema)]
        }
        return configuration
    }

    static func validate(schema: String) throws {
        guard (1...63).contains(schema.utf8.count),
              schema.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }) else {
            throw AccountsError(.configuration, "schema names are 1–63 characters of a–z, 0–9 and '_'")
        }
    }

    static func quoted(_ schema: String) -> String { "\"\(schema)\"" }
}
