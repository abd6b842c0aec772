import SmallyCache
import SmallyCore
import SmallyEngine
import SmallyJSON
import Testing

@testable import SmallyServer

@Suite("rendered vectors") struct RenderedVectorsTests {
    static let key = CacheKey(model: "m", tokenIDs: [101, 7592, 102])
    static let first: [Float] = [0.25, -1.5, 3.0e-7, 2]
    static let second: [Float] = [1, 2, 3, 4]

    static func input(_ vector: [Float], cache: CacheStatus, key: CacheKey? = RenderedVectorsTests.key) -> EmbeddedInput {
        EmbeddedInput(vector: vector, tokens: 3, truncated: false, cache: cache, key: key)
    }

    /// What `JSONWriter.floats` writes for `vector`: the reference the kept bytes must equal.
    static func floats(_ vector: [Float]) -> String {
        var writer = JSONWriter()
        writer.floats(vector)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    static func written(_ rendered: RenderedVectors, _ input: EmbeddedInput, normalize: Bool) -> String {
        var writer = JSONWriter()
        rendered.write(input, normalize: normalize, into: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test("a cached vector is written once and its bytes reused, per form")
    func keptPerForm() {
        let rendered = RenderedVectors(capacity: 4)
        #expect(Self.written(rendered, Self.input(Self.first, cache: .l1), normalize: false) == Self.floats(Self.first))
        #expect(Self.written(rendered, Self.input(Self.first, cache: .l1), normalize: true) == Self.floats(l2Normalized(Self.first)))
        // Same key, other vector: the kept bytes answer (proves they are kept), in each form.
        #expect(Self.written(rendered, Self.input(Self.second, cache: .l2), normalize: false) == Self.floats(Self.first))
        #expect(Self.written(rendered, Self.input(Self.second, cache: .l1), normalize: true) == Self.floats(l2Normalized(Self.first)))
    }

    @Test("computed vectors, inputs without a key and a zero capacity are written afresh and not kept")
    func notKept() {
        let rendered = RenderedVectors(capacity: 4)
        #expect(Self.written(rendered, Self.input(Self.first, cache: .miss), normalize: false) == Self.floats(Self.first))
        #expect(Self.written(rendered, Self.input(Self.second, cache: .l1), normalize: false) == Self.floats(Self.second))
        #expect(Self.written(rendered, Self.input(Self.first, cache: .l1, key: nil), normalize: false) == Self.floats(Self.first))

        let off = RenderedVectors(capacity: 0)
        #expect(Self.written(off, Self.input(Self.first, cache: .l1), normalize: false) == Self.floats(Self.first))
        #expect(Self.written(off, Self.input(Self.second, cache: .l1), normalize: false) == Self.floats(Self.second))
    }

    @Test("kept bytes are a JSON value: separators around them are right")
    func separators() {
        let rendered = RenderedVectors(capacity: 4)
        for _ in 0..<2 {
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("a"); rendered.write(Self.input(Self.first, cache: .l1), normalize: false, into: &writer)
            writer.key("b"); writer.int(1)
            writer.endObject()
            #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"a":"# + Self.floats(Self.first) + #","b":1}"#)
        }
    }
}
