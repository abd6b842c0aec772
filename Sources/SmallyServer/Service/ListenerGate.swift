import Foundation
import NIOCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Closes the public listener at the start of a drain, while open connections keep being served.
/// Behind a passive balancer (nginx OSS) this is what keeps a restart clean: a refused connect is
/// retried on another node (and the node is left out for `fail_timeout`), whereas a connection that
/// the balancer opened during the drain and that still waits in the accept queue when the listener
/// closes is reset after its request was sent (not retried for a POST). Measured: 2–5 such resets
/// per restart when the listener stayed open until the drain's end (docs/ops/rolling-restart.md).
public final class ListenerGate: Sendable {
    private let state = Mutex<(channel: (any Channel)?, pin: Int32)>((nil, -1))

    public init() {}

    /// The listening channel (from `onServerRunning`).
    func set(_ channel: any Channel) { state.withLock { $0.channel = channel } }

    /// Stops accepting. Hummingbird's server returns (and its service group cancels the batcher and
    /// the usage recorder) once its listener is closed and no connection is left, which may happen
    /// before the drain ends: one idle connection of our own, answered once so that the server has
    /// accepted it, keeps it running until the graceful shutdown closes that connection.
    func close() async {
        guard let channel = state.withLock({ $0.channel }), let address = channel.localAddress else { return }
        // Off the event loops: the blocking exchange waits for one of them to answer it.
        let pin = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Self.pinConnection(address)) }
        }
        // Without the pin the listener stays open until the graceful shutdown (the drain still works,
        // with the accept-queue race at its end).
        guard let pin else { return }
        state.withLock { $0.pin = pin }
        try? await channel.close()
    }

    deinit {
        let pin = state.withLock { $0.pin }
        if pin >= 0 { Glibc.close(pin) }
    }

    /// A blocking connect and one `GET /health` (a few hundred microseconds, once, at shutdown).
    private static func pinConnection(_ address: SocketAddress) -> Int32? {
        guard let port = address.port else { return nil }
        let host = address.ipAddress.flatMap { $0 == "0.0.0.0" || $0 == "::" ? nil : $0 } ?? "127.0.0.1"
        let isIPv6 = host.contains(":")
        let fd = socket(isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var ok = false
        defer { if !ok { Glibc.close(fd) } }
        guard let target = try? SocketAddress(ipAddress: host, port: port) else { return nil }
        let connected = target.withSockAddr { connect(fd, $0, socklen_t($1)) } == 0
        guard connected else { return nil }
        let request = Array("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: 1024)
        var received: [UInt8] = []
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        while !received.contains(where: { $0 == 0x7D }) {  // the body `{"status":"ok"}` ends in '}'
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            received += buffer[0..<count]
        }
        ok = true
        return fd
    }
}
