import NIOCore
import Testing

@testable import SmallyCache

struct RedisBatchTests {
    @Test("keys: framing and slots") func keys() {
        var batch = RedisBatch()
        for key in ["foo", "{user1000}.following"] {
            batch.appendKey(length: key.utf8.count) { $0.writeString(key) }
        }
        #expect(batch.count == 2)
        #expect(String(buffer: batch.buffer) == "$3\r\nfoo\r\n$20\r\n{user1000}.following\r\n")
        #expect(batch.slot(of: 0) == 12182)
        #expect(batch.slot(of: 1) == 3443)
        #expect(String(decoding: batch.bytes(of: 1), as: UTF8.self) == "$20\r\n{user1000}.following\r\n")
    }

    @Test("commands: the key argument routes") func commands() {
        var batch = RedisBatch()
        batch.appendCommand { RESPEncoder().encodeCommand(["SET", "foo", "v"], into: &$0) }
        batch.appendCommand(["EVALSHA", "abc", "1", "bar", "x"], keyArgument: RedisCommandKey.argument(of: ["EVALSHA", "abc", "1", "bar", "x"]))
        batch.appendCommand(["PING"], keyArgument: RedisCommandKey.argument(of: ["PING"]))
        #expect(batch.slot(of: 0) == 12182)
        #expect(batch.slot(of: 1) == 5061)
        #expect(batch.slot(of: 2) == nil)
        #expect(String(decoding: batch.bytes(of: 2), as: UTF8.self) == "*1\r\n$4\r\nPING\r\n")
    }

    @Test("key positions") func keyPositions() {
        #expect(RedisCommandKey.argument(of: ["GET", "k"]) == 1)
        #expect(RedisCommandKey.argument(of: ["evalsha", "sha", "1", "k", "a"]) == 3)
        #expect(RedisCommandKey.argument(of: ["EVAL", "return 1", "0"]) == nil)
        #expect(RedisCommandKey.argument(of: ["CLUSTER", "SLOTS"]) == nil)
        #expect(RedisCommandKey.argument(of: ["DBSIZE"]) == nil)
    }

    @Test("argument ranges of odd encodings") func argumentRanges() {
        var buffer = ByteBuffer(string: "*2\r\n$3\r\nGET\r\n$0\r\n\r\n")
        #expect(RedisBatch.argumentRange(in: buffer, from: 0, to: buffer.writerIndex, argument: 1) == 17..<17)
        #expect(RedisBatch.argumentRange(in: buffer, from: 0, to: buffer.writerIndex, argument: 2) == nil)
        buffer = ByteBuffer(string: "*2\r\n$3\r\nGET\r\n$9\r\nab")  // truncated
        #expect(RedisBatch.argumentRange(in: buffer, from: 0, to: buffer.writerIndex, argument: 1) == nil)
    }
}
