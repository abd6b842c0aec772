/// Where the monthly quota counters live (`QUOTA_COUNTERS`).
public enum QuotaCounters: String, Sendable, CaseIterable {
    /// Redis when `REDIS_URL` is set, else the database when it is PostgreSQL (shared by nodes),
    /// else this process.
    case auto
    /// Redis (`REDIS_URL` required): monthly and per-minute counters shared by every node.
    case redis
    /// The PostgreSQL database (`DATABASE_URL` required): monthly counters shared by every node, one
    /// `UPDATE` per admission; per-minute limits per node.
    case database
    /// This process: exact for one node only; with N nodes up to N× the quota is admitted.
    case process
}
