/// What a node does with the limits while the shared counters (Redis) are unreachable.
///
/// - ``perNode``: each node enforces the whole limit on its own (fail-open). With N nodes behind
///   a load balancer, up to N× the remaining quota can be admitted during the outage.
/// - ``divided(nodes:)``: each node enforces its share, ⌈remaining ÷ N⌉, where remaining is what
///   was left when the outage began (the per-minute limit likewise ⌈limit ÷ N⌉). With the real
///   node count the cluster admits at most about the limit; `divided(nodes: 1)` is ``perNode``.
/// - ``closed``: nothing is admitted; decisions carry ``LimitDecision/unavailable`` so the HTTP
///   layer answers 503 rather than 429.
///
/// The default is ``perNode``: exact for a single node (the common deployment, and the only one
/// the limiter can assume without being told the node count), and it keeps the API serving paying
/// customers when Redis, a cache-class dependency, fails. What each node admits meanwhile is added
/// back to the Redis counters when Redis answers again (see ``RedisQuotaLimiter``), so any excess
/// is charged to the month rather than forgotten. Multi-node deployments should set
/// `divided(nodes:)` to their node count, or `closed` where quota must never be exceeded.
public enum QuotaFallback: Sendable, Hashable, CustomStringConvertible {
    case perNode
    case divided(nodes: Int)
    case closed

    public static let `default` = QuotaFallback.perNode

    /// What one node may admit of `remaining` during an outage; nil when nothing may be admitted.
    func share(of remaining: Int) -> Int? {
        let remaining = max(0, remaining)
        switch self {
        case .perNode: return remaining
        case .divided(let nodes):
            let nodes = max(1, nodes)
            return remaining / nodes + (remaining % nodes == 0 ? 0 : 1)  // ⌈remaining ÷ nodes⌉, no overflow
        case .closed: return nil
        }
    }

    /// Parses `per-node`, `divided:N` (N in 1...10,000) or `closed` (for an environment variable
    /// such as `QUOTA_FALLBACK`).
    public init(parsing text: String) throws {
        let lowered = text.lowercased()
        switch lowered {
        case "per-node", "pernode", "per_node": self = .perNode
        case "closed": self = .closed
        default:
            if lowered.hasPrefix("divided:"), let nodes = Int(lowered.dropFirst("divided:".count)), (1...10_000).contains(nodes) {
                self = .divided(nodes: nodes)
            } else {
                throw AccountsError(.configuration, "quota fallback must be per-node, divided:N (N = 1…10000) or closed, got '\(text.prefix(40))'")
            }
        }
    }

    public var description: String {
        switch self {
        case .perNode: "per-node"
        case .divided(let nodes): "divided:\(nodes)"
        case .closed: "closed"
        }
    }
}
