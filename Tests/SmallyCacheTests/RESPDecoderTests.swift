import NIOCore
import NIOTestUtils
import Testing

@testable import SmallyCache

@Suite("RESP decoder") struct RESPDecoderTests {
    /// Wire bytes and the values they decode to, covering every RESP2 kind.
    static let cases: [(String, RESPValue)] = [
        ("+OK\r\n", .simpleString("OK")),
        ("+\r\n", .simpleString("")),
        ("-ERR unknown command 'FOO'\r\n", .error("ERR unknown command 'FOO'")),
        (":0\r\n", .integer(0)),
        (":-42\r\n", .integer(-42)),
        (":9223372036854775807\r\n", .integer(Int.max)),
        (":-9223372036854775808\r\n", .integer(Int.min)),
        ("$5\r\nhello\r\n", .bulkString("hello")),
        ("$0\r\n\r\n", .bulkString("")),
        ("$4\r\na\r\nb\r\n", .bulkString("a\r\nb")),  // binary-safe: CRLF inside a bulk string
        ("$-1\r\n", .bulkString(nil)),
        ("*0\r\n", .array([])),
        ("*-1\r\n", .array(nil)),
        ("*3\r\n$3\r\nfoo\r\n$-1\r\n:7\r\n", .array([.bulkString("foo"), .bulkString(nil), .integer(7)])),
        (
            "*2\r\n*2\r\n+a\r\n-b\r\n*1\r\n*-1\r\n",
            .array([.array([.simpleString("a"), .error("b")]), .array([.array(nil)])])
        ),
    ]

    @Test("verifier all kinds") func verifierAllKinds() throws {
        // Feeds the inputs whole, all at once, and drip-fed one byte at a time.
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: Self.cases.map { ($0.0, [$0.1]) },
            decoderFactory: { RESPDecoder() }
        )
    }

    @Test("binary bulk string") func binaryBulkString() throws {
        var input = ByteBuffer(string: "$256\r\n")
        input.writeBytes((0...255).map { UInt8($0) })
        input.writeString("\r\n")
        let expected = RESPValue.bulkString(ByteBuffer(bytes: (0...255).map { UInt8($0) }))
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [(input, [expected])],
            decoderFactory: { RESPDecoder() }
        )
    }

    @Test("split at every byte") func splitAtEveryByte() throws {
        // All cases back to back, cut into two buffers at every position.
        let wire = Self.cases.map(\.0).joined()
        let expected = Self.cases.map(\.1)
        let bytes = Array(wire.utf8)
        for cut in 0...bytes.count {
            let processor = NIOSingleStepByteToMessageProcessor(RESPDecoder())
            var decoded: [RESPValue] = []
            try processor.process(buffer: ByteBuffer(bytes: bytes[..<cut])) { decoded.append($0) }
            try processor.process(buffer: ByteBuffer(bytes: bytes[cut...])) { decoded.append($0) }
            #expect(decoded == expected, "cut at \(cut)")
        }
    }

    @Test("incomplete input consumes nothing") func incompleteInputConsumesNothing() throws {
        var decoder = RESPDecoder()
        var buffer = ByteBuffer(string: "*2\r\n$3\r\nfoo\r\n$3\r\nba")
        #expect(try decoder.decode(buffer: &buffer) == nil)
        #expect(buffer.readerIndex == 0)
        buffer.writeString("r\r\n+next\r\n")
        #expect(try decoder.decode(buffer: &buffer) == .array([.bulkString("foo"), .bulkString("bar")]))
        #expect(try decoder.decode(buffer: &buffer) == .simpleString("next"))
        #expect(try decoder.decode(buffer: &buffer) == nil)
        #expect(buffer.readableBytes == 0)
    }

    static let malformed: [String] = [
        "?what\r\n",  // unknown type byte
        "%1\r\n",  // RESP3 map: not spoken here
        ":12a\r\n",
        ":\r\n",
        ":-\r\n",
        ":99999999999999999999\r\n",  // overflow
        "$-2\r\n",
        "$3\r\nabcd\r\n",  // body longer than announced
        "$x\r\n",
        "*-5\r\n",
        "+OK\rX",  // CR without LF
    ]

    @Test("malformed input throws protocol error", arguments: malformed)
    func malformedInputThrowsProtocolError(_ input: String) {
        var decoder = RESPDecoder()
        var buffer = ByteBuffer(string: input)
        #expect {
            _ = try decoder.decode(buffer: &buffer)
        } throws: { error in
            (error as? RedisError)?.code == .protocolError
        }
    }

    @Test("nesting limit") func nestingLimit() throws {
        var limits = RESPDecoder.Limits()
        limits.maxNestingDepth = 3
        var ok = ByteBuffer(string: "*1\r\n*1\r\n*1\r\n:1\r\n")
        var decoder = RESPDecoder(limits: limits)
        #expect(try decoder.decode(buffer: &ok) == .array([.array([.array([.integer(1)])])]))

        var tooDeep = ByteBuffer(string: "*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n")
        #expect(throws: RedisError.self) { try decoder.decode(buffer: &tooDeep) }

        // The default limit stops a deeply nested reply without blowing the stack.
        var hostile = ByteBuffer(string: String(repeating: "*1\r\n", count: 10_000))
        var defaultDecoder = RESPDecoder()
        #expect(throws: RedisError.self) { try defaultDecoder.decode(buffer: &hostile) }
    }

    @Test("size limits") func sizeLimits() throws {
        var limits = RESPDecoder.Limits()
        limits.maxBulkLength = 10
        limits.maxArrayCount = 4
        limits.maxLineLength = 8
        var decoder = RESPDecoder(limits: limits)

        var bulk = ByteBuffer(string: "$11\r\n")  // rejected from the header alone, before the body arrives
        #expect(throws: RedisError.self) { try decoder.decode(buffer: &bulk) }

        var array = ByteBuffer(string: "*5\r\n")
        #expect(throws: RedisError.self) { try decoder.decode(buffer: &array) }

        var line = ByteBuffer(string: "+123456789")  // no CRLF in sight and already over the limit
        #expect(throws: RedisError.self) { try decoder.decode(buffer: &line) }

        var fits = ByteBuffer(string: "+12345678")  // at the limit: still waiting for CRLF
        #expect(try decoder.decode(buffer: &fits) == nil)
    }
}
