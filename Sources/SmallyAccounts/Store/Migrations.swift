/// One schema version: statements run in order inside one transaction.
public struct Migration: Sendable {
    public var version: Int
    public var name: String
    public var statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}

/// The versioned schema of both stores. Versions are numbered alike in both dialects: version N
/// means the same tables and columns in PostgreSQL and SQLite. Append, never edit, a released one.
public enum Migrations {
    public static let tableName = "smally_schema_migrations"

    public static let postgres: [Migration] = [
        Migration(version: 1, name: "organizations, api keys, usage", statements: [
            """
            CREATE TABLE organizations (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                tier TEXT NOT NULL,
                monthly_quota BIGINT,
                requests_per_minute BIGINT,
                created_at TIMESTAMPTZ NOT NULL
            )
            """,
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                name TEXT NOT NULL,
                prefix TEXT NOT NULL,
                key_hash TEXT NOT NULL UNIQUE,
                created_at TIMESTAMPTZ NOT NULL,
                last_used_at TIMESTAMPTZ,
                expires_at TIMESTAMPTZ,
                revoked_at TIMESTAMPTZ
            )
            """,
            "CREATE INDEX api_keys_organization ON api_keys (organization_id)",
            """
            CREATE TABLE usage_minutes (
                organization_id TEXT NOT NULL,
                key_id TEXT NOT NULL,
                minute TIMESTAMPTZ NOT NULL,
                requests BIGINT NOT NULL DEFAULT 0,
                embeddings BIGINT NOT NULL DEFAULT 0,
                tokens BIGINT NOT NULL DEFAULT 0,
                cache_hits BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (organization_id, minute, key_id)
            )
            """,
            """
            CREATE TABLE usage_batches (
                id TEXT PRIMARY KEY,
                applied_at TIMESTAMPTZ NOT NULL
            )
            """,
        ]),
        Migration(version: 2, name: "index for pruning applied usage batches", statements: [
            "CREATE INDEX usage_batches_applied_at ON usage_batches (applied_at)",
        ]),
        // Usage per model ('' for rows written before several models were served).
        Migration(version: 3, name: "usage per model", statements: [
            "ALTER TABLE usage_minutes ADD COLUMN model TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE usage_minutes DROP CONSTRAINT usage_minutes_pkey",
            "ALTER TABLE usage_minutes ADD PRIMARY KEY (organization_id, minute, key_id, model)",
        ]),
        Migration(version: 4, name: "key roles, console sessions", statements: [
            "ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'embed'",
            // The session id itself is never stored: only its SHA-256 (a leaked table signs nobody in).
            """
            CREATE TABLE console_sessions (
                id_hash TEXT PRIMARY KEY,
                organization_id TEXT REFERENCES organizations(id) ON DELETE CASCADE,
                key_id TEXT REFERENCES api_keys(id) ON DELETE CASCADE,
                csrf_token TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                last_seen_at TIMESTAMPTZ NOT NULL,
                expires_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at)",
        ]),
        // Monthly quota counters shared by every node through the database (no Redis): one row
        // per organization and month, changed by one atomic UPDATE per admission.
        Migration(version: 5, name: "quota counters in the database", statements: [
            """
            CREATE TABLE quota_months (
                organization_id TEXT NOT NULL,
                month TIMESTAMPTZ NOT NULL,
                used BIGINT NOT NULL,
                PRIMARY KEY (organization_id, month)
            )
            """,
        ]),
    ]

    public static let sqlite: [Migration] = [
        Migration(version: 1, name: "organizations, api keys, usage", statements: [
            """
            CREATE TABLE organizations (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                tier TEXT NOT NULL,
                monthly_quota INTEGER,
                requests_per_minute INTEGER,
                created_at INTEGER NOT NULL
            )
            """,
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                name TEXT NOT NULL,
                prefix TEXT NOT NULL,
                key_hash TEXT NOT NULL UNIQUE,
                created_at INTEGER NOT NULL,
                last_used_at INTEGER,
                expires_at INTEGER,
                revoked_at INTEGER
            )
            """,
            "CREATE INDEX api_keys_organization ON api_keys (organization_id)",
            """
            CREATE TABLE usage_minutes (
                organization_id TEXT NOT NULL,
                key_id TEXT NOT NULL,
                minute INTEGER NOT NULL,
                requests INTEGER NOT NULL DEFAULT 0,
                embeddings INTEGER NOT NULL DEFAULT 0,
                tokens INTEGER NOT NULL DEFAULT 0,
                cache_hits INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (organization_id, minute, key_id)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE usage_batches (
                id TEXT PRIMARY KEY,
                applied_at INTEGER NOT NULL
            )
            """,
        ]),
        Migration(version: 2, name: "index for pruning applied usage batches", statements: [
            "CREATE INDEX usage_batches_applied_at ON usage_batches (applied_at)",
        ]),
        // Usage per model ('' for rows written before). SQLite cannot change a primary key: the
        // table is rebuilt.
        Migration(version: 3, name: "usage per model", statements: [
            """
            CREATE TABLE usage_minutes_v3 (
                organization_id TEXT NOT NULL,
                key_id TEXT NOT NULL,
                minute INTEGER NOT NULL,
                model TEXT NOT NULL DEFAULT '',
                requests INTEGER NOT NULL DEFAULT 0,
                embeddings INTEGER NOT NULL DEFAULT 0,
                tokens INTEGER NOT NULL DEFAULT 0,
                cache_hits INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (organization_id, minute, key_id, model)
            ) WITHOUT ROWID
            """,
            """
            INSERT INTO usage_minutes_v3 (organization_id, key_id, minute, model, requests, embeddings, tokens, cache_hits)
            SELECT organization_id, key_id, minute, '', requests, embeddings, tokens, cache_hits FROM usage_minutes
            """,
            "DROP TABLE usage_minutes",
            "ALTER TABLE usage_minutes_v3 RENAME TO usage_minutes",
        ]),
        Migration(version: 4, name: "key roles, console sessions", statements: [
            "ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'embed'",
            """
            CREATE TABLE console_sessions (
                id_hash TEXT PRIMARY KEY,
                organization_id TEXT REFERENCES organizations(id) ON DELETE CASCADE,
                key_id TEXT REFERENCES api_keys(id) ON DELETE CASCADE,
                csrf_token TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                last_seen_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL
            )
            """,
            "CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at)",
        ]),
        // Same table as PostgreSQL's version 5 (SQLite serves one node, whose in-process counters
        // are exact: it is kept for the versions to mean the same schema in both).
        Migration(version: 5, name: "quota counters in the database", statements: [
            """
            CREATE TABLE quota_months (
                organization_id TEXT NOT NULL,
                month INTEGER NOT NULL,
                used INTEGER NOT NULL,
                PRIMARY KEY (organization_id, month)
            ) WITHOUT ROWID
            """,
        ]),
    ]
}
