import Foundation

/// Monthly quota counters kept in a shared database (``DatabaseQuotaLimiter``), for deployments
/// whose nodes share PostgreSQL but no Redis.
public protocol QuotaCounterStore: Sendable {
    /// Adds `count` to the organization's counter for `month` unless that would pass `limit`, as one
    /// atomic check-and-increment (`count` 0 reads). A missing counter is created first from the
    /// usage recorded for the month. Returns whether it was added and the count after the call.
    func addToQuota(organizationID: String, month: QuotaPeriod.Interval, count: Int, limit: Int) async throws -> (allowed: Bool, used: Int)

    /// Adds `delta` (negative to give back; the count never goes below 0) without checking a limit:
    /// releases of failed requests, and admissions made while the database was unreachable.
    func adjustQuota(organizationID: String, month: QuotaPeriod.Interval, delta: Int) async throws
}
