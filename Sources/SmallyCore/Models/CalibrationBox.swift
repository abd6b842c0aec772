import Synchronization

/// A model's int8/uint8 ranges once measured (for stored and for normalised vectors). Measured
/// at most once per process in practice; a race measures twice and keeps one, harmlessly.
final class CalibrationBox: Sendable {
    struct Ranges: Sendable {
        let raw: QuantizationRanges
        let normalized: QuantizationRanges
    }

    private let ranges = Mutex<Ranges?>(nil)

    var value: Ranges? { ranges.withLock { $0 } }

    func store(_ value: Ranges) { ranges.withLock { $0 = value } }
}
