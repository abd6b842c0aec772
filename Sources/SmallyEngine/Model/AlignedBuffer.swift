/// An owned, 64-byte aligned, zero-filled, fixed-size array of a trivial type (int8 weights,
/// int32 accumulators): like ``FloatBuffer``, a class so big buffers are never copied by accident.
final class AlignedBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    // Sendable for the same reasons as FloatBuffer: weights are written only while loading,
    // scratch buffers are owned by one encoder.
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(count: Int) {
        let capacity = max(count, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<Element>.stride, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: capacity * MemoryLayout<Element>.stride)
        self.pointer = raw.bindMemory(to: Element.self, capacity: capacity)
        self.count = count
    }

    deinit {
        pointer.deallocate()
    }
}
