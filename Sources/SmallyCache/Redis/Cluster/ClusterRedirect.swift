/// A cluster redirect in an error reply: `MOVED <slot> <host:port>` (the slot has a new master: update
/// the map) or `ASK <slot> <host:port>` (the slot is migrating: send this one command there after
/// `ASKING`, keep the map).
struct ClusterRedirect: Equatable, Sendable {
    enum Kind: Equatable, Sendable { case moved, ask }

    var kind: Kind
    var slot: Int
    var node: RedisNodeAddress

    /// Parses an error reply's text; `nil` when it is not a redirect. `replyingHost` stands in for an
    /// empty host (`MOVED 3999 :6381`).
    init?(_ message: String, replyingHost: String) {
        let parts = message.split(separator: " ")
        guard parts.count == 3, let slot = Int(parts[1]), (0..<HashSlot.count).contains(slot),
              let node = RedisNodeAddress(parts[2], fallbackHost: replyingHost) else { return nil }
        switch parts[0] {
        case "MOVED": kind = .moved
        case "ASK": kind = .ask
        default: return nil
        }
        self.slot = slot
        self.node = node
    }

    init(kind: Kind, slot: Int, node: RedisNodeAddress) {
        self.kind = kind
        self.slot = slot
        self.node = node
    }
}
