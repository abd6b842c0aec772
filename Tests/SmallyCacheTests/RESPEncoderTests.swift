import NIOCore
import Testing

@testable import SmallyCache

@Suite("RESP encoder") struct RESPEncoderTests {
    private func encoded(_ body: (inout ByteBuffer) -> Void) -> String {
        var buffer = ByteBuffer()
        body(&buffer)
        return String(buffer: buffer)
    }

    @Test("command from strings") func commandFromStrings() {
        let wire = encoded { RESPEncoder().encodeCommand(["SET", "key", "välue"], into: &$0) }
        // Lengths are UTF-8 byte counts, not character counts.
        #expect(wire == "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$6\r\nvälue\r\n")
    }

    @Test("command from buffers") func commandFromBuffers() {
        var buffer = ByteBuffer()
        RESPEncoder().encodeCommand([ByteBuffer(string: "GET"), ByteBuffer(bytes: [0, 13, 10, 255])], into: &buffer)
        #expect(Array(buffer.readableBytesView) == Array("*2\r\n$3\r\nGET\r\n$4\r\n".utf8) + [0, 13, 10, 255] + Array("\r\n".utf8))
    }

    @Test("empty command and empty argument") func emptyCommandAndEmptyArgument() {
        #expect(encoded { RESPEncoder().encodeCommand([String](), into: &$0) } == "*0\r\n")
        #expect(encoded { RESPEncoder().encodeCommand(["ECHO", ""], into: &$0) } == "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n")
    }

    @Test("every value kind") func everyValueKind() {
        let value = RESPValue.array([
            .simpleString("OK"), .error("ERR x"), .integer(-12), .bulkString("hi"),
            .bulkString(nil), .array(nil), .array([]), .array([.integer(1)]),
        ])
        let wire = encoded { RESPEncoder().encode(value, into: &$0) }
        #expect(wire == "*8\r\n+OK\r\n-ERR x\r\n:-12\r\n$2\r\nhi\r\n$-1\r\n*-1\r\n*0\r\n*1\r\n:1\r\n")
    }

    @Test("round trip through decoder") func roundTripThroughDecoder() throws {
        for (_, value) in RESPDecoderTests.cases {
            var buffer = ByteBuffer()
            RESPEncoder().encode(value, into: &buffer)
            var decoder = RESPDecoder()
            #expect(try decoder.decode(buffer: &buffer) == value)
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test("message to byte encoder conformance") func messageToByteEncoderConformance() throws {
        let encoder = RESPEncoder()
        var out = ByteBuffer()
        try encoder.encode(data: .integer(5), out: &out)
        #expect(String(buffer: out) == ":5\r\n")
    }
}
