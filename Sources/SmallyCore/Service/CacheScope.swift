/// Who shares a cache entry (`CACHE_SCOPE`).
public enum CacheScope: String, Sendable {
    /// Entries are keyed by organization: no organization learns what another embedded.
    case organization
    /// One entry per text for everyone (single-tenant deployments, or tenants that trust each other).
    case shared
}
