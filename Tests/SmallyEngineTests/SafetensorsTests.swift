import Foundation
@testable import SmallyEngine
import Testing

/// The hand-written safetensors reader on small files made here.
@Suite("safetensors")
struct SafetensorsTests {
    /// Writes a safetensors file with the given tensors (raw little-endian bytes).
    static func write(_ tensors: [(name: String, dtype: String, shape: [Int], bytes: [UInt8])], to url: URL,
                      corruptOffsets: Bool = false) throws {
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var data: [UInt8] = []
        for tensor in tensors {
            let end = data.count + tensor.bytes.count + (corruptOffsets ? 4 : 0)
            header[tensor.name] = ["dtype": tensor.dtype, "shape": tensor.shape, "data_offsets": [data.count, end]]
            data += tensor.bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header)
        while json.count % 8 != 0 { json.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(contentsOf: data)
        try file.write(to: url)
    }

    static func bytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    }

    @Test("F32, F16 and BF16 tensors load as fp32; other dtypes are listed but refused on use")
    func dtypes() throws {
        let dir = try TestSupport.temporaryDirectory()
        let url = dir.appendingPathComponent("t.safetensors")
        let f16: [UInt16] = [0x3C00, 0xC000, 0x3555, 0x0001, 0x7BFF]   // 1, -2, ~0.33325, smallest subnormal, 65504
        let bf16: [UInt16] = [0x3F80, 0xC040, 0x4049]                  // 1, -3, ~3.140625
        try Self.write([
            ("a", "F32", [2, 2], Self.bytes([1, 2, 3, 4])),
            ("h", "F16", [5], f16.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }),
            ("b", "BF16", [3], bf16.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }),
            ("ids", "I64", [2], [UInt8](repeating: 0, count: 16)),
        ], to: url)
        let file = try SafetensorsFile(path: url.path)
        #expect(file.tensorNames == ["a", "b", "h", "ids"])
        let a = try file.tensor("a", shape: [2, 2])
        #expect(Array(UnsafeBufferPointer(start: a.pointer, count: 4)) == [1, 2, 3, 4])
        let h = try file.tensor("h")
        #expect(Array(UnsafeBufferPointer(start: h.pointer, count: 5)) == [1, -2, 0.33325195, 5.9604645e-08, 65504])
        let b = try file.tensor("b")
        #expect(Array(UnsafeBufferPointer(start: b.pointer, count: 3)) == [1, -3, 3.140625])
        #expect(throws: ModelError(file: "t.safetensors", "tensor 'ids' has dtype I64; supported: F32, F16, BF16")) {
            _ = try file.tensor("ids")
        }
        #expect(throws: ModelError(file: "t.safetensors", "tensor 'a' has shape [2, 2], expected [4]")) {
            _ = try file.tensor("a", shape: [4])
        }
        #expect(throws: ModelError(file: "t.safetensors", "missing tensor 'zzz'")) {
            _ = try file.tensor("zzz")
        }
    }

    @Test("truncated, malformed and empty files give errors that name the file")
    func malformed() throws {
        let dir = try TestSupport.temporaryDirectory()
        let empty = dir.appendingPathComponent("empty.safetensors")
        try Data().write(to: empty)
        #expect(throws: ModelError(file: "empty.safetensors", "file is empty")) { _ = try SafetensorsFile(path: empty.path) }

        let garbage = dir.appendingPathComponent("garbage.safetensors")
        try Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3]).write(to: garbage)
        #expect(throws: ModelError.self) { _ = try SafetensorsFile(path: garbage.path) }

        let notJSON = dir.appendingPathComponent("notjson.safetensors")
        var bytes = Data()
        withUnsafeBytes(of: UInt64(4).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array("nope".utf8))
        try bytes.write(to: notJSON)
        #expect(throws: ModelError(file: "notjson.safetensors", "header is not a JSON object")) { _ = try SafetensorsFile(path: notJSON.path) }

        let truncated = dir.appendingPathComponent("truncated.safetensors")
        try Self.write([("a", "F32", [4], Self.bytes([1, 2, 3, 4]))], to: truncated, corruptOffsets: true)
        do {
            _ = try SafetensorsFile(path: truncated.path)
            Issue.record("a truncated file was accepted")
        } catch {
            #expect(error.file == "truncated.safetensors")
            #expect(error.message.contains("do not match"))
        }

        #expect(throws: ModelError.self) { _ = try SafetensorsFile(path: dir.appendingPathComponent("missing").path) }
    }
}
