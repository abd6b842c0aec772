import NIOCore

/// Pre-encoded keys or commands for one round trip, each with where its key is, so that a cluster
/// client can route every item to its slot's master while a single-node client sends the buffer as is.
///
/// Two kinds, never mixed: bare keys (`appendKey`, for ``RedisExecutor/get(_:)``) and whole commands
/// (`appendCommand`, for ``RedisExecutor/execute(_:)``). Items are written straight into one buffer, so
/// the single-node path costs no copy beyond today's.
public struct RedisBatch: Sendable {
    struct Item: Sendable {
        /// Byte range of the item in `buffer`.
        var start: Int
        var end: Int
        /// Where the key's bytes are, within `buffer`.
        var keyStart: Int
        var keyEnd: Int
    }

    public private(set) var buffer: ByteBuffer
    private(set) var items: [Item] = []

    public var count: Int { items.count }

    public init(capacity: Int = 256) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// Appends a key as a RESP bulk string of `length` bytes that `write` writes (exactly `length`).
    public mutating func appendKey(length: Int, _ write: (inout ByteBuffer) -> Void) {
        let start = buffer.writerIndex
        RESPEncoder.writeBulkStringHeader(length: length, into: &buffer)
        let keyStart = buffer.writerIndex
        write(&buffer)
        let keyEnd = buffer.writerIndex
        precondition(keyEnd - keyStart == length, "RedisBatch.appendKey wrote \(keyEnd - keyStart) bytes, announced \(length)")
        RESPEncoder.writeCRLF(into: &buffer)
        items.append(Item(start: start, end: buffer.writerIndex, keyStart: keyStart, keyEnd: keyEnd))
    }

    /// Appends one command that `write` encodes (a RESP array of bulk strings) whose argument number
    /// `keyArgument` (0 is the command name) is its key.
    public mutating func appendCommand(keyArgument: Int = 1, _ write: (inout ByteBuffer) -> Void) {
        let start = buffer.writerIndex
        write(&buffer)
        let end = buffer.writerIndex
        let key = Self.argumentRange(in: buffer, from: start, to: end, argument: keyArgument)
        items.append(Item(start: start, end: end, keyStart: key?.lowerBound ?? -1, keyEnd: key?.upperBound ?? -1))
    }

    /// Appends a command given as UTF-8 strings, keyed by `keyArgument` (`nil`: keyless, any node).
    public mutating func appendCommand(_ arguments: [String], keyArgument: Int?) {
        let start = buffer.writerIndex
        RESPEncoder().encodeCommand(arguments, into: &buffer)
        let end = buffer.writerIndex
        let key = keyArgument.flatMap { Self.argumentRange(in: buffer, from: start, to: end, argument: $0) }
        items.append(Item(start: start, end: end, keyStart: key?.lowerBound ?? -1, keyEnd: key?.upperBound ?? -1))
    }

    /// The hash slot of item `index`, or `nil` for a keyless command.
    func slot(of index: Int) -> Int? {
        let item = items[index]
        guard item.keyStart >= 0 else { return nil }
        return buffer.withUnsafeReadableBytes { bytes in
            let base = buffer.readerIndex
            return HashSlot.of(bytes: UnsafeRawBufferPointer(rebasing: bytes[(item.keyStart - base)..<(item.keyEnd - base)]))
        }
    }

    /// The bytes of item `index`, to copy into another node's pipeline.
    func bytes(of index: Int) -> ByteBufferView {
        let item = items[index]
        return buffer.viewBytes(at: item.start, length: item.end - item.start) ?? ByteBufferView()
    }

    /// Byte range of the contents of bulk string argument `argument` in the command encoded at
    /// `start..<end`, or `nil` when there is no such argument.
    static func argumentRange(in buffer: ByteBuffer, from start: Int, to end: Int, argument: Int) -> Range<Int>? {
        var offset = start
        // Reads "<prefix><decimal>\r\n" at `offset`, returning the number.
        func header(_ prefix: UInt8) -> Int? {
            guard offset < end, buffer.getInteger(at: offset, as: UInt8.self) == prefix else { return nil }
            offset += 1
            var value = 0
            while offset < end, let byte = buffer.getInteger(at: offset, as: UInt8.self), byte != UInt8(ascii: "\r") {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                offset += 1
            }
            offset += 2
            return value
        }
        guard let count = header(UInt8(ascii: "*")), argument < count else { return nil }
        for index in 0...argument {
            guard let length = header(UInt8(ascii: "$")) else { return nil }
            if index == argument { return offset + length <= end ? offset..<(offset + length) : nil }
            offset += length + 2
        }
        return nil
    }
}
