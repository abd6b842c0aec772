import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import SmallyCache

/// The handler driven over an in-memory channel with a virtual clock: exact bytes out, replies in.
@Suite("redis channel handler") struct RedisChannelHandlerTests {
    private func makeChannel() async throws -> NIOAsyncTestingChannel {
        let channel = try await NIOAsyncTestingChannel { channel in
            try channel.pipeline.syncOperations.addHandler(RedisChannelHandler(logger: Logger(label: "test")))
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379))
        return channel
    }

    /// Writes `commands` as one request and returns the promise for their replies.
    private func send(
        _ commands: [[String]],
        on channel: NIOAsyncTestingChannel,
        timeout: TimeAmount = .milliseconds(100)
    ) async throws -> EventLoopFuture<[RESPValue]> {
        var buffer = ByteBuffer()
        for command in commands { RESPEncoder().encodeCommand(command, into: &buffer) }
        let promise = channel.eventLoop.makePromise(of: [RESPValue].self)
        try await channel.writeOutbound(RedisRequest(buffer: buffer, count: commands.count, timeout: timeout, promise: promise))
        return promise.futureResult
    }

    private func expectError(_ future: EventLoopFuture<[RESPValue]>, _ code: RedisError.Code) async {
        await #expect {
            _ = try await future.get()
        } throws: { error in
            (error as? RedisError)?.code == code
        }
    }

    @Test("writes exact bytes and completes with reply") func writesExactBytesAndCompletesWithReply() async throws {
        let channel = try await makeChannel()
        let future = try await send([["GET", "k"]], on: channel)
        #expect(try await channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"))
        try await channel.writeInbound(ByteBuffer(string: "$1\r\nv\r\n"))
        #expect(try await future.get() == [.bulkString("v")])
        #expect(channel.isActive)
    }

    @Test("replies complete requests in FIFO order") func repliesCompleteRequestsInFIFOOrder() async throws {
        let channel = try await makeChannel()
        let first = try await send([["INCR", "a"], ["PING"], ["GET", "missing"]], on: channel)
        let second = try await send([["ECHO", "x"]], on: channel)
        // One pipelined write per request.
        #expect(try await channel.readOutbound(as: ByteBuffer.self) != nil)
        #expect(try await channel.readOutbound(as: ByteBuffer.self) != nil)

        // Replies arrive in arbitrary chunks, including one that spans both requests.
        try await channel.writeInbound(ByteBuffer(string: ":1\r\n+PO"))
        try await channel.writeInbound(ByteBuffer(string: "NG\r\n$-1\r\n$1"))
        #expect(try await first.get() == [.integer(1), .simpleString("PONG"), .bulkString(nil)])
        try await channel.writeInbound(ByteBuffer(string: "\r\nx\r\n"))
        #expect(try await second.get() == [.bulkString("x")])
    }

    @Test("error reply is an ordinary reply") func errorReplyIsAnOrdinaryReply() async throws {
        let channel = try await makeChannel()
        let future = try await send([["BOGUS"], ["PING"]], on: channel)
        try await channel.writeInbound(ByteBuffer(string: "-ERR unknown command\r\n+PONG\r\n"))
        #expect(try await future.get() == [.error("ERR unknown command"), .simpleString("PONG")])
        #expect(channel.isActive)
    }

    @Test("close fails all pending with connection closed") func closeFailsAllPendingWithConnectionClosed() async throws {
        let channel = try await makeChannel()
        let first = try await send([["GET", "a"]], on: channel)
        let second = try await send([["GET", "b"]], on: channel)
        try await channel.close()
        await expectError(first, .connectionClosed)
        await expectError(second, .connectionClosed)
    }

    @Test("write after close fails immediately") func writeAfterCloseFailsImmediately() async throws {
        let channel = try await makeChannel()
        try await channel.close()
        let connection = RedisConnection(channel: channel)
        await #expect {
            _ = try await connection.execute(ByteBuffer(string: "*1\r\n$4\r\nPING\r\n"), count: 1, timeout: .seconds(1))
        } throws: { error in
            (error as? RedisError)?.code == .connectionClosed
        }
    }

    @Test("timeout fails pending and closes connection") func timeoutFailsPendingAndClosesConnection() async throws {
        let channel = try await makeChannel()
        let future = try await send([["GET", "slow"]], on: channel)
        await channel.testingEventLoop.advanceTime(by: .milliseconds(99))
        #expect(channel.isActive)
        await channel.testingEventLoop.advanceTime(by: .milliseconds(2))
        await expectError(future, .timeout)
        // Closed: a late reply must never be matched to a later command.
        #expect(!channel.isActive)
    }

    @Test("timer rearms for later requests") func timerRearmsForLaterRequests() async throws {
        let channel = try await makeChannel()
        let first = try await send([["GET", "a"]], on: channel)  // deadline 100 ms
        await channel.testingEventLoop.advanceTime(by: .milliseconds(50))
        let second = try await send([["GET", "b"]], on: channel)  // deadline 150 ms
        try await channel.writeInbound(ByteBuffer(string: "+a\r\n"))
        #expect(try await first.get() == [.simpleString("a")])

        await channel.testingEventLoop.advanceTime(by: .milliseconds(60))  // t = 110: first's timer fires, re-arms
        #expect(channel.isActive)
        await channel.testingEventLoop.advanceTime(by: .milliseconds(41))  // t = 151
        await expectError(second, .timeout)
        #expect(!channel.isActive)
    }

    @Test("a shorter timeout behind a longer one still fires on time (handshake uses the connect timeout)")
    func shorterTimeoutBehindLongerOne() async throws {
        let channel = try await makeChannel()
        let handshake = try await send([["PING"]], on: channel, timeout: .seconds(1))
        try await channel.writeInbound(ByteBuffer(string: "+PONG\r\n"))
        #expect(try await handshake.get() == [.simpleString("PONG")])
        let command = try await send([["DEBUG", "SLEEP", "1"]], on: channel, timeout: .milliseconds(100))
        await channel.testingEventLoop.advanceTime(by: .milliseconds(99))
        #expect(channel.isActive)
        await channel.testingEventLoop.advanceTime(by: .milliseconds(2))  // t = 101 ms, long before 1 s
        await expectError(command, .timeout)
        #expect(!channel.isActive)
    }

    @Test("unsolicited reply closes connection") func unsolicitedReplyClosesConnection() async throws {
        let channel = try await makeChannel()
        try await channel.writeInbound(ByteBuffer(string: "+surprise\r\n"))
        #expect(!channel.isActive)
    }

    @Test("protocol error fails pending and closes") func protocolErrorFailsPendingAndCloses() async throws {
        let channel = try await makeChannel()
        let future = try await send([["GET", "a"]], on: channel)
        try await channel.writeInbound(ByteBuffer(string: "!garbage\r\n"))
        await expectError(future, .protocolError)
        #expect(!channel.isActive)
    }

    @Test("connection execute round trip") func connectionExecuteRoundTrip() async throws {
        let channel = try await makeChannel()
        let connection = RedisConnection(channel: channel)
        async let replies = connection.execute(ByteBuffer(string: "*1\r\n$4\r\nPING\r\n"), count: 1, timeout: .seconds(5))
        // Wait for the write to reach the channel, then answer it.
        var written: ByteBuffer?
        for _ in 0..<1000 where written == nil {
            written = try await channel.readOutbound(as: ByteBuffer.self)
            if written == nil { try await Task.sleep(for: .milliseconds(1)) }
        }
        #expect(written == ByteBuffer(string: "*1\r\n$4\r\nPING\r\n"))
        try await channel.writeInbound(ByteBuffer(string: "+PONG\r\n"))
        #expect(try await replies == [.simpleString("PONG")])
    }
}
