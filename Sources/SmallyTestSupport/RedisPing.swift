import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether something on `127.0.0.1:port` answers a RESP `PING` (`+PONG`, or `-NOAUTH` from a server with a
/// password: it is up), over a plain socket. The start-up polls of the local Redis servers and sentinels ask
/// this every 20 ms; spawning `redis-cli` for each poll ran `Process.run()` hundreds of times a suite, and
/// swift-corelibs-foundation's `Process.run()` on Linux crashes now and then (an over-read of
/// `/proc/self/fd` entries, swiftlang/swift-corelibs-foundation#5472): CI met it once.
public enum RedisPing {
    public static func answers(port: Int, timeoutMilliseconds: Int = 500) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
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
        guard connected == 0 else { return false }
        let request = Array("PING\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        let reply = String(decoding: buffer[0..<count], as: UTF8.self)
        return reply.hasPrefix("+PONG") || reply.hasPrefix("-NOAUTH")
    }
}
