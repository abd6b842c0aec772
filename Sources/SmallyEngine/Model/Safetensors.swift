import Foundation

/// Element types of a safetensors file that the engine can load. Everything is computed in fp32,
/// so F16 and BF16 tensors are widened once, at load time.
public enum TensorDType: String, Sendable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
}

/// One tensor as fp32: either a pointer straight into the memory-mapped file (F32, aligned) or a
/// converted copy. `owner` keeps whichever backs `pointer` alive.
public struct Tensor: @unchecked Sendable {
    public let name: String
    public let shape: [Int]
    public let pointer: UnsafePointer<Float>
    let owner: AnyObject

    public var count: Int { shape.reduce(1, *) }
}

/// A safetensors file (https://github.com/huggingface/safetensors): an 8-byte little-endian header
/// length, a JSON header of `name -> {dtype, shape, data_offsets}`, then the raw data. Parsed by
/// hand and memory-mapped, so loading costs no copy for F32 weights.
public struct SafetensorsFile: Sendable {
    struct Entry: Sendable {
        let dtype: String
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    static let byteWidths: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
    ]

    let file: MappedFile
    let entries: [String: Entry]
    let dataStart: Int
    let displayName: String

    /// - Parameters:
    ///   - path: the `.safetensors` file.
    ///   - displayName: how errors name the file (defaults to the last path component).
    public init(path: String, displayName: String? = nil) throws(ModelError) {
        let name = displayName ?? (path as NSString).lastPathComponent
        let file = try MappedFile(path: path, displayName: name)
        guard file.count >= 8 else { throw ModelError(file: name, "too short to be a safetensors file") }
        let headerLength = Int(UInt64(littleEndian: file.base.loadUnaligned(as: UInt64.self)))
        guard headerLength > 1, headerLength <= file.count - 8, headerLength < 100_000_000 else {
            throw ModelError(file: name, "header length \(headerLength) does not fit a file of \(file.count) bytes")
        }
        let headerBytes = Data(bytes: file.base + 8, count: headerLength)
        // Cold path: one header read at model load (and SmallyEngine stays free of SmallyJSON), Foundation is simpler here.
        guard let json = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any] else {
            throw ModelError(file: name, "header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        let dataLength = file.count - dataStart
        var entries: [String: Entry] = [:]
        for (tensorName, value) in json where tensorName != "__metadata__" {
            guard let info = value as? [String: Any],
                  let dtypeName = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int],
                  let offsets = info["data_offsets"] as? [Int], offsets.count == 2
            else {
                throw ModelError(file: name, "tensor '\(tensorName)' has a malformed header entry")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else {
                throw ModelError(file: name, "tensor '\(tensorName)' has a negative dimension")
            }
            // Tensors of other types (e.g. BERT's I64 `position_ids`) may be present; they are only
            // rejected if the encoder asks for them.
            let width = Self.byteWidths[dtypeName]
            guard offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] <= dataLength,
                  width.map({ offsets[1] - offsets[0] == shape.reduce(1, *) * $0 }) ?? true
            else {
                throw ModelError(
                    file: name,
                    "tensor '\(tensorName)' data offsets \(offsets) do not match shape \(shape) of \(dtypeName) within \(dataLength) data bytes (truncated download?)"
                )
            }
            entries[tensorName] = Entry(dtype: dtypeName, shape: shape, begin: offsets[0], end: offsets[1])
        }
        self.file = file
        self.entries = entries
        self.dataStart = dataStart
        self.displayName = name
    }

    public var tensorNames: [String] { entries.keys.sorted() }

    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The tensor `name` as fp32, checked against `shape` when given.
    public func tensor(_ name: String, shape expected: [Int]? = nil) throws(ModelError) -> Tensor {
        guard let entry = entries[name] else {
            throw ModelError(file: displayName, "missing tensor '\(name)'")
        }
        if let expected, expected != entry.shape {
            throw ModelError(file: displayName, "tensor '\(name)' has shape \(entry.shape), expected \(expected)")
        }
        guard let dtype = TensorDType(rawValue: entry.dtype) else {
            throw ModelError(file: displayName, "tensor '\(name)' has dtype \(entry.dtype); supported: F32, F16, BF16")
        }
        let source = file.base + dataStart + entry.begin
        let count = entry.shape.reduce(1, *)
        switch dtype {
        case .f32:
            if Int(bitPattern: source) % MemoryLayout<Float>.alignment == 0 {
                return Tensor(name: name, shape: entry.shape, pointer: source.assumingMemoryBound(to: Float.self), owner: file)
            }
            let buffer = FloatBuffer(count: count)
            UnsafeMutableRawPointer(buffer.pointer).copyMemory(from: source, byteCount: count * 4)
            return Tensor(name: name, shape: entry.shape, pointer: UnsafePointer(buffer.pointer), owner: buffer)
        case .f16:
            let buffer = FloatBuffer(count: count)
            for i in 0..<count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                buffer.pointer[i] = Self.halfToFloat(bits)
            }
            return Tensor(name: name, shape: entry.shape, pointer: UnsafePointer(buffer.pointer), owner: buffer)
        case .bf16:
            let buffer = FloatBuffer(count: count)
            for i in 0..<count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                buffer.pointer[i] = Float(bitPattern: UInt32(bits) << 16)
            }
            return Tensor(name: name, shape: entry.shape, pointer: UnsafePointer(buffer.pointer), owner: buffer)
        }
    }

    /// IEEE 754 binary16 to binary32, done with integer arithmetic so it needs no `Float16` support.
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int((h >> 10) & 0x1F)
        var mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            if mantissa == 0 { return Float(bitPattern: sign) }
            // Subnormal half: normalise it.
            var e = -1
            repeat {
                e += 1
                mantissa <<= 1
            } while mantissa & 0x400 == 0
            mantissa &= 0x3FF
            return Float(bitPattern: sign | UInt32(127 - 15 - e) << 23 | mantissa << 13)
        }
        if exponent == 31 {
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | mantissa << 13)
    }
}
