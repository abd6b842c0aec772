import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One Redis command over a plain socket to `127.0.0.1:port`, its reply printed as `redis-cli` prints it
/// when not on a terminal: one value a line, arrays flattened, errors as their message. The local
/// Redis servers, clusters and sentinels are asked this way in the tests' polling loops instead of
/// spawning `redis-cli` each time: swift-corelibs-foundation's `Process.run()` on Linux crashes now
/// and then (an over-read of `/proc/self/fd` entries, swiftlang/swift-corelibs-foundation#5472), and
/// those loops ran it hundreds of times a suite.
public enum RedisCommandSocket {
    public struct Failed: Error, CustomStringConvertible {
        public var description: String
    }

    /// The reply to `arguments` (after `AUTH password` when given); an empty string when the server
    /// closes the connection without answering (`SHUTDOWN`, `DEBUG SEGFAULT`).
    public static func run(port: Int, password: String? = nil, _ arguments: [String], timeoutMilliseconds: Int = 2000) throws -> String {
        let fd = try LoopbackSocket.connect(port: port, timeout: .milliseconds(timeoutMilliseconds))
        defer { close(fd) }
        var received: [UInt8] = []
        if let password {
            try send(["AUTH", password], fd: fd)
            let reply = try readReply(fd: fd, into: &received)
            guard reply.hasPrefix("OK") else { throw Failed(description: "AUTH on \(port): \(reply)") }
        }
        try send(arguments, fd: fd)
        return try readReply(fd: fd, into: &received)
    }

    private static func send(_ arguments: [String], fd: Int32) throws {
        var request = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments {
            let bytes = Array(argument.utf8)
            request += Array("$\(bytes.count)\r\n".utf8) + bytes + [13, 10]
        }
        try LoopbackSocket.send(request, on: fd)
    }

    /// Reads until one whole reply is in `buffer`, removes it from there and returns it printed.
    private static func readReply(fd: Int32, into buffer: inout [UInt8]) throws -> String {
        while true {
            var index = 0
            var output = ""
            if parse(buffer, &index, &output) {
                buffer.removeFirst(index)
                return output
            }
            var chunk = [UInt8](repeating: 0, count: 16_384)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return "" }  // closed without (the rest of) a reply
            guard count > 0 else { throw Failed(description: "no reply within the timeout") }
            buffer += chunk[0..<count]
        }
    }

    /// Parses one RESP value at `index`, appending it printed to `output`; false when incomplete.
    private static func parse(_ bytes: [UInt8], _ index: inout Int, _ output: inout String) -> Bool {
        guard index < bytes.count, let lineEnd = lineEnd(bytes, from: index + 1) else { return false }
        let kind = bytes[index]
        let header = String(decoding: bytes[(index + 1)..<lineEnd], as: UTF8.self)
        index = lineEnd + 2
        switch kind {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: ":"):
            output += header + "\n"
            return true
        case UInt8(ascii: "$"):
            guard let length = Int(header) else { return false }
            if length < 0 {
                output += "\n"
                return true
            }
            guard bytes.count >= index + length + 2 else { return false }
            output += String(decoding: bytes[index..<(index + length)], as: UTF8.self) + "\n"
            index += length + 2
            return true
        case UInt8(ascii: "*"):
            guard let count = Int(header) else { return false }
            for _ in 0..<max(0, count) where !parse(bytes, &index, &output) { return false }
            return true
        default:
            return false
        }
    }

    private static func lineEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var position = start
        while position + 1 < bytes.count {
            if bytes[position] == 13, bytes[position + 1] == 10 { return position }
            position += 1
        }
        return nil
    }
}
