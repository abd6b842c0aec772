import NIOCore

extension RedisClient: RedisExecutor {
    /// One `MGET` of every key in the batch.
    public func get(_ keys: RedisBatch) async throws -> [RESPValue] {
        var buffer = ByteBufferAllocator().buffer(capacity: keys.buffer.readableBytes + 32)
        RESPEncoder.writeArrayHeader(count: keys.count + 1, into: &buffer)
        RESPEncoder.writeBulkString("MGET", into: &buffer)
        var keyBytes = keys.buffer
        buffer.writeBuffer(&keyBytes)
        let reply = try await self.execute(buffer, count: 1)[0]
        guard case .array(let values?) = reply, values.count == keys.count else {
            throw RedisError(.unexpectedReply, message: "MGET answered \(reply)")
        }
        return values
    }

    /// The batch's commands in one pipeline.
    public func execute(_ commands: RedisBatch) async throws -> [RESPValue] {
        try await self.execute(commands.buffer, count: commands.count)
    }
}
