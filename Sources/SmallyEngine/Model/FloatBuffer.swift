/// An owned, 64-byte aligned, fixed-size array of `Float` for weights built at load time (converted
/// from F16/BF16, or fused) and for the encoder's scratch space. Aligned so SIMD loads never split
/// cache lines; a class so that big buffers are never copied by accident.
public final class FloatBuffer: @unchecked Sendable {
    // Sendable because weight buffers are written only while loading, before they are shared;
    // scratch buffers are owned by one encoder on one thread.
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        self.pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.pointer.initialize(repeating: 0, count: max(count, 1))
        self.count = count
    }

    deinit {
        pointer.deallocate()
    }

    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }
}
