import NIOCore

extension RedisConnection {
    /// The node's `ROLE` (`master`, `slave`, `sentinel`): Sentinel mode uses a node only once it says
    /// `master`, since an address from a sentinel can be out of date by the time we connect.
    func role(timeout: TimeAmount) async throws -> String {
        var buffer = self.channel.allocator.buffer(capacity: 16)
        RESPEncoder().encodeCommand(["ROLE"], into: &buffer)
        return try SentinelReplies.role(try await self.execute(buffer, count: 1, timeout: timeout)[0])
    }
}
