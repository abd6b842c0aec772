import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import SmallyServer
import SmallyTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A request whose client closes its connection while the request waits for inference is dropped
/// before inference (`ClientDisconnectHandler` → `ClientWatch` → the batcher's cancellation).
@Suite("client gone")
struct ClientGoneTests {
    @Test("a queued request whose client closes is never computed, and counted as 499")
    func droppedBeforeInference() async throws {
        // No queue deadline: the queued request waits for a long batch, longer than the default in a debug build.
        let configuration = ServerTestSupport.configuration { $0.l1CacheSize = 0; $0.maxQueueMilliseconds = 0 }
        try await ServerTestSupport.app(configuration).test(.live) { client in
            let port = try #require(client.port)
            // Keep the engine busy with one long batch, so the next request has to wait in the queue.
            let long = String(repeating: "the quick brown fox jumps over the lazy dog ", count: 25)
            let texts = (0..<12).map { "\"\($0) \(long)\"" }.joined(separator: ",")
            async let busy = ServerTestSupport.post(client, "/v1/embed", "{\"texts\": [\(texts)]}")
            // (The test client sends one request at a time: the rest goes over raw sockets.)
            // A second request queued behind it proves the engine is busy (one lane in tests).
            try await Task.sleep(for: .milliseconds(100))
            let queued = try RawSocket(port: port)
            try queued.send(Self.request(#"{"text": "queued behind the long batch"}"#, close: true))
            try await Self.waitForQueueDepth(port: port, atLeast: 1)

            // A request on a raw socket that closes right after sending it. (Keep-alive: after a
            // `Connection: close` request the server reads no further, so it cannot see the close.)
            let socket = try RawSocket(port: port)
            try socket.send(Self.request(#"{"text": "a request nobody waits for any more"}"#))
            socket.close()

            let response = try await busy
            #expect(response.status == .ok)
            #expect(try queued.receiveAll().hasPrefix("HTTP/1.1 200"))
            queued.close()
            // A normal request is still served; with one lane it runs after anything still queued.
            let after = try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "still serving"}"#)
            #expect(after.status == .ok)

            let metrics = try await Self.metrics(client)
            #expect(Self.value(metrics, "smally_errors_total{type=\"client_closed_request\"}") == 1, "\(metrics)")
            // Computed: the long batch's 12 texts and the two other requests' texts, not the dropped one.
            #expect(Self.value(metrics, "smally_batch_size_sum") == 14, "\(metrics)")
        }
    }

    /// A keep-alive request, or one that asks the server to close after answering.
    static func request(_ body: String, close: Bool = false) -> String {
        "POST /v1/embed HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + (close ? "Connection: close\r\n" : "") + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    static func waitForQueueDepth(port: Int, atLeast depth: Double) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let socket = try RawSocket(port: port)
            defer { socket.close() }
            try socket.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            if (value(try socket.receiveAll(), "smally_queue_depth") ?? 0) >= depth { return }
            guard ContinuousClock.now < deadline else { throw RawSocket.Failure(description: "queue depth never reached \(depth)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    static func metrics(_ client: some TestClientProtocol) async throws -> String {
        String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
    }

    /// The value of a sample line `name value` in Prometheus text.
    static func value(_ text: String, _ name: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }
}

/// A blocking TCP client socket, for what an HTTP client library does not do (close mid-request).
private struct RawSocket {
    let fd: Int32

    init(port: Int) throws {
        fd = try LoopbackSocket.connect(port: port, timeout: .seconds(60))
    }

    func send(_ text: String) throws {
        try LoopbackSocket.send(Array(text.utf8), on: fd)
    }

    /// Reads until the server closes the connection (requests here say `Connection: close`).
    func receiveAll() throws -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += buffer[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    func close() { Glibc.close(fd) }

    struct Failure: Error, CustomStringConvertible { var description: String }
}
