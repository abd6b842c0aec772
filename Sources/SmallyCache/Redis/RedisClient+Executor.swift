import NIOCore

extension RedisClient: RedisExecutor {
    /// One `MGET` of every key in the batch.
    public func get(_ keys: RedisBatch) async throws -> [RESPValue] {
        let reply = try await self.execute(Self.multiGet(keys), count: 1)[0]
        guard case .array(let values?) = reply, values.count == keys.count else {
            throw RedisError(.unexpectedReply, message: "MGET answered \(reply)")
        }
        return values
    }

    /// The `MGET` and the commands in one pipeline: one write, one read.
    public func get(_ keys: RedisBatch, alongside commands: RedisBatch) async throws -> (values: [RESPValue], replies: [RESPValue]) {
        var buffer = Self.multiGet(keys, extraCapacity: commands.buffer.readableBytes)
        var commandBytes = commands.buffer
        buffer.writeBuffer(&commandBytes)
        var replies = try await self.execute(buffer, count: 1 + commands.count)
        let reply = replies.removeFirst()
        guard case .array(let values?) = reply, values.count == keys.count else {
            let failure: RESPValue = if case .error = reply { reply } else { .error("MGET answered \(reply)") }
            return ([RESPValue](repeating: failure, count: keys.count), replies)
        }
        return (values, replies)
    }

    private static func multiGet(_ keys: RedisBatch, extraCapacity: Int = 0) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: keys.buffer.readableBytes + 32 + extraCapacity)
        RESPEncoder.writeArrayHeader(count: keys.count + 1, into: &buffer)
        RESPEncoder.writeBulkString("MGET", into: &buffer)
        var keyBytes = keys.buffer
        buffer.writeBuffer(&keyBytes)
        return buffer
    }

    /// The batch's commands in one pipeline.
    public func execute(_ commands: RedisBatch) async throws -> [RESPValue] {
        try await self.execute(commands.buffer, count: commands.count)
    }
}
