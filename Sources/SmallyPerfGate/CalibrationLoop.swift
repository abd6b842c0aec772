/// A fixed piece of work that measures how fast this machine is *right now*, in the same process
/// and moments as the gated workloads: integer hashing, table reads and writes spread over 1 MiB
/// (cache and memory behaviour), floating-point arithmetic, and small allocations (malloc and
/// reference counting), the ingredients of the workloads it normalises.
///
/// Its code never changes without recording the gate's reference again (the ratios depend on it).
public struct CalibrationLoop: Sendable {
    private var table: [UInt32]
    private var state: UInt64 = 0x5EED

    public init() {
        table = [UInt32](repeating: 1, count: 1 << 18)  // 1 MiB
    }

    /// Runs `iterations` steps; returns a value that depends on all of them (so no step is optimised away).
    public mutating func run(iterations: Int) -> UInt64 {
        let mask = table.count - 1
        var checksum: UInt64 = 0
        var accumulator = 1.0
        for step in 0..<iterations {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            let index = Int(truncatingIfNeeded: z) & mask
            table[index] &+= UInt32(truncatingIfNeeded: z >> 40)
            checksum &+= UInt64(table[(index &* 7) & mask])
            accumulator = accumulator * 0.999_999 + Double(z & 0xFF) * 1e-9
            if step & 31 == 0 {
                let small = [UInt64](repeating: z, count: 8 + Int(z & 7))
                checksum &+= small[small.count - 1]
            }
        }
        return checksum &+ UInt64(accumulator * 1e6)
    }
}
