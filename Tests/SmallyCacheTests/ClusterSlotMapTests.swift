import Testing

@testable import SmallyCache

struct ClusterSlotMapTests {
    private func node(_ host: String, _ port: Int, _ id: String) -> RESPValue {
        .array([.bulkString(host), .integer(port), .bulkString(id)])
    }

    @Test("parses CLUSTER SLOTS with replicas") func parsesClusterSlots() throws {
        let reply = RESPValue.array([
            .array([.integer(0), .integer(5460), node("127.0.0.1", 7000, "a"), node("127.0.0.1", 7004, "d")]),
            .array([.integer(5461), .integer(10922), node("127.0.0.1", 7001, "b"), node("127.0.0.1", 7005, "e")]),
            .array([.integer(10923), .integer(16383), node("", 7002, "c")]),
        ])
        let map = try ClusterSlotMap(clusterSlots: reply, queriedHost: "10.0.0.9")
        #expect(map.coversAllSlots)
        #expect(map.master(of: 0) == RedisNodeAddress(host: "127.0.0.1", port: 7000))
        #expect(map.master(of: 5461) == RedisNodeAddress(host: "127.0.0.1", port: 7001))
        #expect(map.master(of: HashSlot.of("foo")) == RedisNodeAddress(host: "10.0.0.9", port: 7002))  // "" host: the node asked
        #expect(map.masters.count == 3)
        #expect(map.replicas == [RedisNodeAddress(host: "127.0.0.1", port: 7004), RedisNodeAddress(host: "127.0.0.1", port: 7005)])
    }

    @Test("a gap is not full coverage; MOVED patches one slot") func gapsAndPatches() throws {
        let reply = RESPValue.array([.array([.integer(0), .integer(100), node("h", 1, "a")])])
        var map = try ClusterSlotMap(clusterSlots: reply, queriedHost: "x")
        #expect(!map.coversAllSlots)
        #expect(map.master(of: 101) == nil)
        map.assign(50...50, to: RedisNodeAddress(host: "h", port: 2))
        #expect(map.master(of: 50) == RedisNodeAddress(host: "h", port: 2))
        #expect(map.master(of: 49) == RedisNodeAddress(host: "h", port: 1))
    }

    @Test("malformed replies are refused", arguments: [
        RESPValue.simpleString("OK"),
        .array([.array([.integer(0), .integer(16384), .array([.bulkString("h"), .integer(1)])])]),
        .array([.array([.integer(10), .integer(5), .array([.bulkString("h"), .integer(1)])])]),
        .array([.array([.integer(0), .integer(5)])]),
        .array([.array([.integer(0), .integer(5), .array([.bulkString("h"), .integer(0)])])]),
    ])
    func malformed(reply: RESPValue) {
        #expect(throws: RedisError.self) { try ClusterSlotMap(clusterSlots: reply, queriedHost: "x") }
    }

    @Test("redirects") func redirects() {
        #expect(ClusterRedirect("MOVED 3999 127.0.0.1:6381", replyingHost: "x")
            == ClusterRedirect(kind: .moved, slot: 3999, node: RedisNodeAddress(host: "127.0.0.1", port: 6381)))
        #expect(ClusterRedirect("ASK 12182 10.0.0.2:7000", replyingHost: "x")
            == ClusterRedirect(kind: .ask, slot: 12182, node: RedisNodeAddress(host: "10.0.0.2", port: 7000)))
        #expect(ClusterRedirect("MOVED 1 :7001", replyingHost: "10.0.0.5")?.node == RedisNodeAddress(host: "10.0.0.5", port: 7001))
        #expect(ClusterRedirect("MOVED 1 [::1]:7001", replyingHost: "x")?.node == RedisNodeAddress(host: "::1", port: 7001))
        #expect(ClusterRedirect("ERR wrong number of arguments", replyingHost: "x") == nil)
        #expect(ClusterRedirect("MOVED 16384 h:1", replyingHost: "x") == nil)
        #expect(ClusterRedirect("MOVED 1 h:notaport", replyingHost: "x") == nil)
    }
}
