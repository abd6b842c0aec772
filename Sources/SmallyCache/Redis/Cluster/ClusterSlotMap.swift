/// Which master serves each of the 16,384 hash slots: a pure value, built from a `CLUSTER SLOTS` reply
/// and patched by `MOVED` redirects.
public struct ClusterSlotMap: Sendable, Equatable {
    /// The masters, in the order first seen.
    public private(set) var masters: [RedisNodeAddress]
    /// The replicas `CLUSTER SLOTS` listed (healthy ones only): the client connects to them ahead of
    /// time, so that after a failover the promoted one is served at once.
    public private(set) var replicas: [RedisNodeAddress] = []
    /// Per slot, the index into `masters` plus one; 0 for a slot no master serves.
    private var owners: [UInt16]

    public init() {
        self.masters = []
        self.owners = Array(repeating: 0, count: HashSlot.count)
    }

    /// The master serving `slot`, or `nil` when none does.
    public func master(of slot: Int) -> RedisNodeAddress? {
        let owner = owners[slot]
        return owner == 0 ? nil : masters[Int(owner) - 1]
    }

    /// Index of `master(of:)` in `masters`, or `nil`.
    func masterIndex(of slot: Int) -> Int? {
        let owner = owners[slot]
        return owner == 0 ? nil : Int(owner) - 1
    }

    /// True when every slot has a master.
    public var coversAllSlots: Bool { !owners.contains(0) }

    /// Assigns `slots` to `master` (a `CLUSTER SLOTS` range, or one slot after `MOVED`).
    public mutating func assign(_ slots: ClosedRange<Int>, to master: RedisNodeAddress) {
        let index: Int
        if let existing = masters.firstIndex(of: master) {
            index = existing
        } else {
            masters.append(master)
            index = masters.count - 1
        }
        for slot in slots { owners[slot] = UInt16(index + 1) }
    }

    /// Parses a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id, ...], replica...], ...]`.
    /// A master with an unknown host (`""` or `?`) is reached at `queriedHost`, the node that answered.
    /// - Throws: `RedisError` `.unexpectedReply` for any other shape.
    public init(clusterSlots reply: RESPValue, queriedHost: String) throws(RedisError) {
        self.init()
        guard let ranges = reply.array else {
            throw RedisError(.unexpectedReply, message: "CLUSTER SLOTS answered \(reply)")
        }
        for range in ranges {
            guard let fields = range.array, fields.count >= 3,
                  let start = fields[0].integer, let end = fields[1].integer,
                  0 <= start, start <= end, end < HashSlot.count,
                  let master = fields[2].array, master.count >= 2,
                  let host = master[0].string, let port = master[1].integer, (1...65_535).contains(port)
            else {
                throw RedisError(.unexpectedReply, message: "CLUSTER SLOTS range \(range)")
            }
            assign(start...end, to: RedisNodeAddress(host: host.isEmpty || host == "?" ? queriedHost : host, port: port))
            for replica in fields.dropFirst(3) {
                guard let node = replica.array, node.count >= 2, let host = node[0].string, let port = node[1].integer,
                      (1...65_535).contains(port) else { continue }
                let address = RedisNodeAddress(host: host.isEmpty || host == "?" ? queriedHost : host, port: port)
                if !replicas.contains(address) { replicas.append(address) }
            }
        }
    }
}
