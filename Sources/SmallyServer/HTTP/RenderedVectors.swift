import SmallyCache
import SmallyCore
import SmallyEngine
import SmallyJSON

/// JSON arrays of cached vectors, kept as bytes once written. Writing 384 floats in their
/// shortest round-trip form is about a tenth of the CPU a cached request costs, and a text that is
/// asked for again (search boxes, autocomplete) is usually asked for many times.
///
/// Keyed like the vector cache (a digest of model id + token ids), one LRU per form (as stored, and
/// L2-normalised). Only vectors that came from the cache are kept: a text computed once may never
/// come back, and rendering it into this cache would only evict hot entries.
public struct RenderedVectors: Sendable {
    private let stored: LRUCache<[UInt8]>
    private let normalized: LRUCache<[UInt8]>

    /// - Parameter capacity: entries per form; 0 turns it off.
    public init(capacity: Int) {
        stored = LRUCache(capacity: capacity)
        normalized = LRUCache(capacity: capacity)
    }

    public var capacity: Int { stored.capacity }

    /// Writes `input`'s vector (L2-normalised when `normalize`) as a JSON array value.
    func write(_ input: EmbeddedInput, normalize: Bool, into writer: inout JSONWriter) {
        guard capacity > 0, input.cache != .miss, let key = input.key else {
            writer.floats(normalize ? l2Normalized(input.vector) : input.vector)
            return
        }
        let forms = normalize ? normalized : stored
        if let json = forms.get(key) {
            writer.raw(json)
            return
        }
        var fragment = JSONWriter(capacity: input.vector.count * 16 + 2)
        fragment.floats(normalize ? l2Normalized(input.vector) : input.vector)
        forms.set(key, fragment.bytes)
        writer.raw(fragment.bytes)
    }
}
