import Testing

@testable import SmallyCache

/// Expected slots are `redis-cli cluster keyslot <key>` of redis-server 7.0.15.
struct HashSlotTests {
    @Test("known slots", arguments: [
        ("foo", 12182), ("bar", 5061), ("hello", 866), ("", 0), ("smally:emb:v1:abc", 2451),
    ])
    func knownSlots(key: String, slot: Int) {
        #expect(HashSlot.of(key) == slot)
    }

    @Test("hash tags", arguments: [
        ("{user1000}.following", 3443), ("{user1000}.followers", 3443),
        ("foo{}{bar}", 8363),  // an empty tag hashes the whole key
        ("foo{{bar}}zap", 4015),  // the tag is "{bar": from the first "{" to the first "}" after it
        ("foo{bar}{zap}", 5061),  // only the first tag counts: "bar"
        ("{}foo", 9500),
    ])
    func hashTags(key: String, slot: Int) {
        #expect(HashSlot.of(key) == slot)
    }

    @Test("slots are within range and spread") func slotsSpread() {
        let slots = (0..<1000).map { HashSlot.of("smally:emb:v1:\($0)") }
        #expect(slots.allSatisfy { (0..<HashSlot.count).contains($0) })
        // Three equal masters: each gets a fair share of 1000 keys.
        let thirds = Dictionary(grouping: slots) { $0 * 3 / HashSlot.count }.mapValues(\.count)
        #expect(thirds.count == 3 && thirds.values.allSatisfy { $0 > 250 })
    }
}
