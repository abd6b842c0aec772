import NIOCore
import Testing

@testable import SmallyCache

@Suite("cache key") struct CacheKeyTests {
    // Expected digests computed independently with Python:
    //   hashlib.sha256(model.encode() + b"\0" + struct.pack("<%di" % len(ids), *ids)).hexdigest()
    @Test("known digests") func knownDigests() {
        let model = "sentence-transformers/all-MiniLM-L6-v2"
        #expect(
            CacheKey(model: model, tokenIDs: [101, 7592, 2088, 102]).hex
                == "d35e20b65ff5dbc8caff2e9607b24ee105b6e7e84adf88ad1e88b84cd2be2a8c"
        )
        #expect(CacheKey(model: model, tokenIDs: []).hex == "b01c9bbba146e328c0ec62c393b48488f30fe8f664c6100292492dc28338f48f")
        #expect(CacheKey(model: "m", tokenIDs: [-1, .max]).hex == "ad81094a218e511e575f70c543520300130d70f9c6296bdf9af5214c90cf9323")
    }

    @Test("model ID separates keys") func modelIDSeparatesKeys() {
        let ids: [Int32] = [101, 7592, 2088, 102]
        let a = CacheKey(model: "sentence-transformers/all-MiniLM-L6-v2", tokenIDs: ids)
        let b = CacheKey(model: "bge-small", tokenIDs: ids)
        #expect(a != b)
        #expect(b.hex == "07738c7964975e552a2b67c4f878e72d90cfb19586b877d439ceb6934dfc86c1")
        // The separator byte keeps model/ids boundaries apart: "m" + [0x41...] vs "mA" + [...].
        #expect(CacheKey(model: "m", tokenIDs: [0x41]) != CacheKey(model: "mA", tokenIDs: []))
    }

    @Test("equal inputs equal keys") func equalInputsEqualKeys() {
        let a = CacheKey(model: "m", tokenIDs: [1, 2, 3])
        let b = CacheKey(model: "m", tokenIDs: [1, 2, 3])
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != CacheKey(model: "m", tokenIDs: [1, 2, 4]))
        #expect(Set([a, b]).count == 1)
    }

    @Test("bytes and hex agree") func bytesAndHexAgree() {
        let key = CacheKey(model: "m", tokenIDs: [7])
        #expect(key.bytes.count == 32)
        #expect(key.bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined() == key.hex)
        var buffer = ByteBuffer()
        key.writeHex(into: &buffer)
        #expect(String(buffer: buffer) == key.hex)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
