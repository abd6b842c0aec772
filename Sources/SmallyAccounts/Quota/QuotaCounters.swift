/// Where the monthly quota counters live (`QUOTA_COUNTERS`).
public enum QuotaCounters: String, Sendable, CaseIterable {
    /// Redis when `REDIS_URL` is set, else this process (with a warning at start when the store is
    /// PostgreSQL, i.e. possibly shared by several nodes). Not the database by default: one UPDATE per
    /// request cut cached throughput by 82 % on 2 cores (PERFORMANCE.md).
    case auto
    /// Redis (`REDIS_URL` required): monthly and per-minute counters shared by every node.
    case redis
    /// The PostgreSQL database (`DATABASE_URL` required): monthly counters shared by every node, one
    /// `UPDATE` per admission; per-minute limits per node.
    case database
    /// This process: exact for one node only; with N nodes up to N× the quota is admitted.
    case process
}
