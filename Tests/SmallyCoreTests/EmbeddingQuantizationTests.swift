import Foundation
@testable import SmallyCore
import SmallyTestSupport
import Testing

/// `quantize_embeddings`' semantics on vectors worked out by hand.
@Suite("EmbeddingQuantization")
struct EmbeddingQuantizationTests {
    @Test("binary and ubinary: sign bits, first dimension in the high bit, last byte zero-padded; binary = ubinary - 128")
    func signBits() {
        // > 0 → 1; 0 and negatives → 0 (numpy's `embeddings > 0`).
        let vector: [Float] = [0.5, -1, 0, 2, 1e-9, -0.0, 3, -3, /* second byte */ 1, 1]
        #expect(EmbeddingQuantization.packedSignBits(vector) == [0b1001_1010, 0b1100_0000])
        #expect(EmbeddingQuantization.quantize(vector, as: .ubinary, ranges: nil) == [154, 192])
        #expect(EmbeddingQuantization.quantize(vector, as: .binary, ranges: nil) == [26, 64])
    }

    @Test("int8 and uint8: floor((v - start) / step) clipped to 0…255, minus 128 for int8; a step of 0 counts as 1")
    func ranges() {
        let calibration: [[Float]] = [[-1, 0], [1, 2.55]]
        let ranges = QuantizationRanges(calibration: calibration)
        #expect(ranges.starts == [-1, 0])
        #expect(ranges.steps == [Float(2) / 255, Float(2.55) / 255])
        // Dimension 0: (0 - -1) / (2/255) = 127.5 → 127; dimension 1: 1.0 / 0.01 = 100 (to float rounding: 99 or 100).
        let uint8 = EmbeddingQuantization.quantize([0, 1], as: .uint8, ranges: ranges)
        #expect(uint8[0] == 127)
        #expect((99...100).contains(uint8[1]))
        // int8 is uint8 − 128 exactly (the level is floored before the offset).
        #expect(EmbeddingQuantization.quantize([0, 1], as: .int8, ranges: ranges) == uint8.map { $0 - 128 })
        // A constant dimension (step 0): step 1, as sentence-transformers.
        let flat = QuantizationRanges(calibration: [[0.5], [0.5]])
        #expect(EmbeddingQuantization.quantize([2.7], as: .uint8, ranges: flat) == [2])
        #expect(EmbeddingQuantization.quantize([0.2], as: .uint8, ranges: flat) == [0])
        // The calibration extremes map to the ends (float32 as numpy computes it: 2 / (2/255) is
        // 254.99998, truncated to 254; 2.55 / (2.55/255) is exactly 255); beyond them, saturation.
        #expect(EmbeddingQuantization.quantize([-1, 0], as: .uint8, ranges: ranges) == [0, 0])
        #expect(EmbeddingQuantization.quantize([1, 2.55], as: .uint8, ranges: ranges) == [254, 255])
        #expect(EmbeddingQuantization.quantize([-5, 9], as: .int8, ranges: ranges) == [-128, 127])
        #expect(EmbeddingQuantization.quantize([-5, 9], as: .uint8, ranges: ranges) == [0, 255])
    }
}

/// The same against sentence-transformers' own `quantize_embeddings` output, written by
/// scripts/dev/make_fixture_models.py (explicit ranges for int8/uint8).
@Suite("EmbeddingQuantization against sentence-transformers")
struct QuantizationFixtureTests {
    struct Case {
        let source: String
        let embeddings: [[Float]]
        let ranges: [[Float]]
        let expected: [EmbeddingFormat: [[Int]]]
    }

    static func cases() throws -> [Case] {
        let url = RepositoryPaths.fixtures.appendingPathComponent("models/quantization_cases.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let list = try #require(root["cases"] as? [[String: Any]])
        return try list.map { item in
            func floats(_ key: String) throws -> [[Float]] {
                try #require(item[key] as? [[NSNumber]]).map { $0.map(\.floatValue) }
            }
            var expected: [EmbeddingFormat: [[Int]]] = [:]
            for format in [EmbeddingFormat.binary, .ubinary, .int8, .uint8] {
                expected[format] = try #require(item[format.rawValue] as? [[Int]])
            }
            return Case(source: item["source"] as? String ?? "?", embeddings: try floats("embeddings"), ranges: try floats("ranges"),
                        expected: expected)
        }
    }

    @Test("binary, ubinary, int8 and uint8 equal quantize_embeddings' output, value for value")
    func equalsSentenceTransformers() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 2)
        for item in cases {
            // ranges = [minimums, maximums] per dimension, as quantize_embeddings takes them.
            let ranges = QuantizationRanges(calibration: item.ranges)
            for (format, rows) in item.expected {
                for (index, vector) in item.embeddings.enumerated() {
                    #expect(EmbeddingQuantization.quantize(vector, as: format, ranges: ranges) == rows[index],
                            "\(item.source) \(format) vector \(index)")
                }
            }
        }
    }
}

@Suite("CalibrationFile")
struct CalibrationFileTests {
    @Test("ranges written to a model folder read back exactly; another dimension or a damaged file is ignored")
    func roundTrip() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("smally-calibration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = CalibrationFile(modelDirectory: folder)
        #expect(file.read(dimension: 3) == nil)
        let ranges = CalibrationBox.Ranges(
            raw: QuantizationRanges(minimums: [-1.25, 0.1, -3.0000002], maximums: [2.5, 0.3, 1e-7]),
            normalized: QuantizationRanges(minimums: [-0.5, -0.25, -0.125], maximums: [0.5, 0.25, 0.1234567]))
        file.write(ranges)
        let read = try #require(file.read(dimension: 3))
        #expect(read.raw == ranges.raw && read.normalized == ranges.normalized)
        #expect(file.read(dimension: 4) == nil)
        try Data("{\"dimension\": 3, \"raw\": {\"min\": [1]}}".utf8).write(to: file.url)
        #expect(file.read(dimension: 3) == nil)
    }
}
