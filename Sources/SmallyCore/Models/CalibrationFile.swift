import Foundation
import SmallyJSON

/// A model's int8/uint8 ranges stored in its folder (`quantization_ranges.json`), so the compact
/// outputs stay the same across restarts, nodes and upgrades that change the calibration corpus:
/// `{"corpus_version", "dimension", "raw": {"min": […], "max": […]}, "normalized": {…}}`. Written the
/// first time a model's ranges are measured (when the folder is writable); a file whose dimension
/// does not match the model is ignored and measured anew.
struct CalibrationFile {
    static let name = "quantization_ranges.json"
    let url: URL

    init(modelDirectory: URL) {
        url = modelDirectory.appendingPathComponent(Self.name)
    }

    func read(dimension: Int) -> CalibrationBox.Ranges? {
        guard let data = try? Data(contentsOf: url), let value = try? JSONReader.parse([UInt8](data)),
              value["dimension"]?.integerValue == dimension,
              let raw = Self.ranges(value["raw"], dimension: dimension),
              let normalized = Self.ranges(value["normalized"], dimension: dimension) else { return nil }
        return CalibrationBox.Ranges(raw: raw, normalized: normalized)
    }

    /// Best effort: a read-only model folder just means measuring again at the next start.
    func write(_ ranges: CalibrationBox.Ranges) {
        func json(_ ranges: QuantizationRanges) -> JSONValue {
            .object([("min", .array(ranges.minimums.map { .number(Double($0)) })),
                     ("max", .array(ranges.maximums.map { .number(Double($0)) }))])
        }
        let value = JSONValue.object([
            ("corpus_version", .int(CalibrationCorpus.version)),
            ("dimension", .int(ranges.raw.dimension)),
            ("raw", json(ranges.raw)),
            ("normalized", json(ranges.normalized)),
        ])
        try? Data(value.rendered().utf8).write(to: url, options: .atomic)
    }

    private static func ranges(_ value: JSONValue?, dimension: Int) -> QuantizationRanges? {
        func floats(_ key: String) -> [Float]? {
            guard case .array(let items)? = value?[key], items.count == dimension else { return nil }
            let numbers = items.compactMap { item -> Float? in
                switch item {
                case .number(let number): Float(number)
                case .integer(let integer): Float(integer)
                default: nil
                }
            }
            return numbers.count == dimension ? numbers : nil
        }
        guard let minimums = floats("min"), let maximums = floats("max") else { return nil }
        return QuantizationRanges(minimums: minimums, maximums: maximums)
    }
}
