/// WordPiece vocabulary: UTF-8 byte slices -> token ids.
///
/// An open-addressing (linear probing) hash table over an arena of token bytes, so that
/// lookups take a pointer + length into a scratch buffer: no `String` is created per
/// word or per candidate piece. Continuation pieces ("##ing") are also stored under the
/// key ("ing", continuation: true), pointing into the same arena bytes after the prefix,
/// so WordPiece never has to build "##" + piece.
struct Vocabulary: Sendable {
    struct Slot: Sendable {
        var tag: UInt32 = 0          // high hash bits, compared before the bytes
        var offset: UInt32 = 0       // key bytes in `arena`
        var length: UInt16 = 0
        var continuation = false
        var id: Int32 = -1           // -1: empty slot
    }

    private let arena: [UInt8]
    private let slots: [Slot]
    private let mask: Int
    /// id -> token bytes in `arena` (length -1: no token has this id).
    private let tokenOffsets: [UInt32]
    private let tokenLengths: [Int32]
    /// Longest key, in bytes, among word-start / continuation keys: longer candidates cannot match.
    let maxStartKeyLength: Int
    let maxContinuationKeyLength: Int
    /// Number of distinct tokens (model vocabulary plus extra added tokens).
    let count: Int

    /// - Parameters:
    ///   - entries: model vocabulary; on duplicate keys the later entry wins (as in HF's HashMap).
    ///   - extraTokens: tokens outside the model vocabulary that only need id -> token (added tokens).
    init(entries: [(token: [UInt8], id: Int32)], extraTokens: [(token: [UInt8], id: Int32)] = [],
         continuingPrefix: [UInt8]) {
        var arena: [UInt8] = []
        arena.reserveCapacity(entries.reduce(0) { $0 + $1.token.count })
        var keys: [(offset: Int, length: Int, continuation: Bool, id: Int32)] = []
        keys.reserveCapacity(entries.count * 6 / 5)
        for entry in entries {
            let offset = arena.count
            arena.append(contentsOf: entry.token)
            keys.append((offset, entry.token.count, false, entry.id))
            if !continuingPrefix.isEmpty, entry.token.count > continuingPrefix.count,
               entry.token.starts(with: continuingPrefix) {
                keys.append((offset + continuingPrefix.count, entry.token.count - continuingPrefix.count, true, entry.id))
            }
        }

        var capacity = 16
        while capacity < keys.count * 2 { capacity <<= 1 }
        var slots = [Slot](repeating: Slot(), count: capacity)
        var maxStart = 0, maxContinuation = 0
        arena.withUnsafeBufferPointer { arenaBuffer in
            let base = arenaBuffer.baseAddress!
            for key in keys where key.length > 0 && key.length <= Int(UInt16.max) {
                let hash = Self.hash(base + key.offset, key.length, continuation: key.continuation)
                var index = Int(truncatingIfNeeded: hash) & (capacity - 1)
                let tag = UInt32(truncatingIfNeeded: hash >> 32)
                while slots[index].id >= 0 {
                    let slot = slots[index]
                    if slot.tag == tag, Int(slot.length) == key.length, slot.continuation == key.continuation,
                       Self.equal(base + Int(slot.offset), base + key.offset, key.length) {
                        break  // duplicate key: overwrite
                    }
                    index = (index + 1) & (capacity - 1)
                }
                slots[index] = Slot(tag: tag, offset: UInt32(key.offset), length: UInt16(key.length),
                                    continuation: key.continuation, id: key.id)
                if key.continuation {
                    maxContinuation = max(maxContinuation, key.length)
                } else {
                    maxStart = max(maxStart, key.length)
                }
            }
        }

        // id -> token from what survived in the table (duplicates resolved), then extras.
        var maxId: Int32 = -1
        for slot in slots where slot.id >= 0 { maxId = max(maxId, slot.id) }
        for extra in extraTokens { maxId = max(maxId, extra.id) }
        var tokenOffsets = [UInt32](repeating: 0, count: Int(maxId) + 1)
        var tokenLengths = [Int32](repeating: -1, count: Int(maxId) + 1)
        var distinct = 0
        for slot in slots where slot.id >= 0 && !slot.continuation {
            if tokenLengths[Int(slot.id)] < 0 { distinct += 1 }
            tokenOffsets[Int(slot.id)] = slot.offset
            tokenLengths[Int(slot.id)] = Int32(slot.length)
        }
        for extra in extraTokens where tokenLengths[Int(extra.id)] < 0 {
            tokenOffsets[Int(extra.id)] = UInt32(arena.count)
            tokenLengths[Int(extra.id)] = Int32(extra.token.count)
            arena.append(contentsOf: extra.token)
            distinct += 1
        }

        self.arena = arena
        self.slots = slots
        self.mask = capacity - 1
        self.tokenOffsets = tokenOffsets
        self.tokenLengths = tokenLengths
        self.maxStartKeyLength = maxStart
        self.maxContinuationKeyLength = maxContinuation
        self.count = distinct
    }

    func token(for id: Int32) -> String? {
        guard id >= 0, Int(id) < tokenLengths.count, tokenLengths[Int(id)] >= 0 else { return nil }
        let start = Int(tokenOffsets[Int(id)])
        return String(decoding: arena[start..<start + Int(tokenLengths[Int(id)])], as: UTF8.self)
    }

    /// Id of a whole key (no continuation prefix handling), for callers outside the hot path.
    func id(of token: [UInt8]) -> Int32? {
        token.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return nil }
            let id = withView { $0.id(base, buffer.count, continuation: false) }
            return id >= 0 ? id : nil
        }
    }

    /// Gives `body` raw access to the table for the duration of one encode call.
    @inline(__always)
    func withView<R>(_ body: (View) -> R) -> R {
        slots.withUnsafeBufferPointer { slots in
            arena.withUnsafeBufferPointer { arena in
                body(View(slots: slots.baseAddress!, mask: mask, arena: arena.baseAddress!,
                          maxStartKeyLength: maxStartKeyLength,
                          maxContinuationKeyLength: maxContinuationKeyLength))
            }
        }
    }

    struct View {
        let slots: UnsafePointer<Slot>
        let mask: Int
        let arena: UnsafePointer<UInt8>
        let maxStartKeyLength: Int
        let maxContinuationKeyLength: Int

        /// Id of the key `p[0..<n]`, or -1.
        @inline(__always)
        func id(_ p: UnsafePointer<UInt8>, _ n: Int, continuation: Bool) -> Int32 {
            let hash = Vocabulary.hash(p, n, continuation: continuation)
            let tag = UInt32(truncatingIfNeeded: hash >> 32)
            var index = Int(truncatingIfNeeded: hash) & mask
            while true {
                let slot = slots[index]
                if slot.id < 0 { return -1 }
                if slot.tag == tag, Int(slot.length) == n, slot.continuation == continuation,
                   Vocabulary.equal(arena + Int(slot.offset), p, n) {
                    return slot.id
                }
                index = (index + 1) & mask
            }
        }
    }

    /// Multiply-xorshift hash over 8-byte words; keys are short, so this beats byte-wise FNV.
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int, continuation: Bool) -> UInt64 {
        let k: UInt64 = 0x9FB2_1C65_1E98_DF25
        var h: UInt64 = (continuation ? 0x2545_F491_4F6C_DD1D : 0x9E37_79B9_7F4A_7C15) ^ (UInt64(n) &* k)
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i + 8 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k
            h ^= h >> 29
            i += 8
        }
        if i < n {
            h = (h ^ tail(raw + i, n - i)) &* k
            h ^= h >> 29
        }
        h &*= 0xD6E8_FEB8_6659_FD93
        h ^= h >> 32
        return h
    }

    /// The last 1...7 bytes of a key as one little-endian word (at most three loads, none past the end).
    @inline(__always)
    static func tail(_ p: UnsafeRawPointer, _ count: Int) -> UInt64 {
        var value: UInt64 = 0
        var offset = 0
        if count & 4 != 0 {
            value = UInt64(p.loadUnaligned(as: UInt32.self))
            offset = 4
        }
        if count & 2 != 0 {
            value |= UInt64(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) << (offset * 8)
            offset += 2
        }
        if count & 1 != 0 {
            value |= UInt64(p.load(fromByteOffset: offset, as: UInt8.self)) << (offset * 8)
        }
        return value
    }

    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var i = 0
        while i + 8 <= n {
            if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                return false
            }
            i += 8
        }
        return i == n || tail(ra + i, n - i) == tail(rb + i, n - i)
    }
}
