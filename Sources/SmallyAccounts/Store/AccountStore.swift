import Foundation

/// Persistence of organizations, API keys and usage. One protocol, two implementations —
/// ``PostgresAccountStore`` (when `DATABASE_URL` is set) and ``SQLiteAccountStore`` (the embedded
/// default) — that pass the same tests.
///
/// Implementations are `Sendable` and safe to call concurrently. Errors other than
/// ``AccountsError`` come from the database driver; callers log them (`String(reflecting:)`
/// is safe: no query carries a key, only key hashes as bound parameters, which drivers don't print).
public protocol AccountStore: Sendable {
    /// `"postgres"` or `"sqlite"`, for logs and `/ready`.
    var backend: String { get }

    /// Applies every migration not applied yet, in order, each in a transaction, and returns the
    /// versions it applied (empty when the schema was current). Safe to run from several
    /// processes at once.
    @discardableResult
    func migrate() async throws -> [Int]

    /// Versions recorded in the migrations table, ascending.
    func appliedMigrations() async throws -> [Int]

    /// A cheap round trip, for readiness checks.
    func ping() async throws

    // MARK: Organizations

    /// Throws ``AccountsError`` `.alreadyExists` if the name is taken.
    func insertOrganization(_ organization: Organization) async throws
    func organization(named name: String) async throws -> Organization?
    func organization(id: String) async throws -> Organization?
    /// All organizations, by name.
    func organizations() async throws -> [Organization]
    /// Writes tier and overrides of an existing organization (matched by id).
    func updateOrganization(_ organization: Organization) async throws
    /// Reads the organization named `name`, lets `change` edit its tier and overrides, and writes
    /// them back, all in one transaction with the row locked from the read to the write (so two
    /// concurrent edits of different fields both survive). Returns what was written. Throws
    /// ``AccountsError`` `.notFound` when there is no such organization; an error thrown by `change`
    /// rolls back and is rethrown. Only tier and overrides are written.
    func updateOrganization(named name: String, _ change: @escaping @Sendable (inout Organization) throws -> Void) async throws -> Organization

    // MARK: Keys

    func insertKey(_ key: APIKeyRecord) async throws
    func key(id: String) async throws -> APIKeyRecord?
    /// Keys of one organization, or of all when `organizationID` is nil; oldest first.
    func keys(organizationID: String?) async throws -> [APIKeyRecord]
    /// The key with this SHA-256 and its organization, whatever the key's status.
    func credential(hash: String) async throws -> (key: APIKeyRecord, organization: Organization)?
    /// Sets `expires_at` and `revoked_at` of a key (matched by id).
    func updateKey(_ key: APIKeyRecord) async throws

    // MARK: Usage

    /// Adds the batch's counts to `usage_minutes` (upsert) and moves `last_used_at` forward, in
    /// one transaction. Applying the same batch id twice changes nothing the second time.
    func apply(_ batch: UsageBatch) async throws
    /// Deletes the markers of batches applied before `date` and returns how many. A marker only has
    /// to outlive the retries of its batch (seconds to hours), so old ones are dead weight.
    func pruneAppliedBatches(before date: Date) async throws -> Int
    /// Per-key totals of an organization for `from ..< to`.
    func usage(organizationID: String, from: Date, to: Date) async throws -> [KeyUsage]
    /// Per-model totals of an organization for `from ..< to`.
    func usageByModel(organizationID: String, from: Date, to: Date) async throws -> [ModelUsage]
    /// Embeddings an organization used in `from ..< to` (seeds quota counters).
    func embeddings(organizationID: String, from: Date, to: Date) async throws -> Int
    /// An organization's totals per UTC day in `from ..< to`, summed by the database (days
    /// without usage are left out), oldest first.
    func dailyUsage(organizationID: String, from: Date, to: Date) async throws -> [DailyUsage]

    // MARK: Console sessions

    func insertSession(_ session: ConsoleSessionRecord) async throws
    func session(idHash: String) async throws -> ConsoleSessionRecord?
    /// Moves `last_seen_at` of a session forward.
    func touchSession(idHash: String, at date: Date) async throws
    /// Ends a session (every node refuses it from then on).
    func deleteSession(idHash: String) async throws
    /// Deletes sessions whose absolute expiry is before `date`; returns how many.
    func deleteSessions(expiredBefore date: Date) async throws -> Int
}

extension AccountStore {
    /// The organization, or ``AccountsError`` `.notFound`.
    public func requireOrganization(named name: String) async throws -> Organization {
        guard let organization = try await organization(named: name) else {
            throw AccountsError(.notFound, "no organization named '\(name.prefix(64))'")
        }
        return organization
    }

    public func requireKey(id: String) async throws -> APIKeyRecord {
        guard let key = try await key(id: id) else {
            throw AccountsError(.notFound, "no API key with id '\(id.prefix(64))'")
        }
        return key
    }
}
