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
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failed(description: "socket() failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failed(description: "nothing listens on 127.0.0.1:\(port)") }
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
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw Failed(description: "send failed") }
            sent += count
        }
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
