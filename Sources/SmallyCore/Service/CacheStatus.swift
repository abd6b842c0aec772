/// Where a vector came from.
public enum CacheStatus: String, Sendable {
    case l1 = "hit-l1"
    case l2 = "hit-l2"
    case miss
}
