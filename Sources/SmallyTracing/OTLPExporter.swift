import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Sends the buffered spans to an OTLP/HTTP collector (`POST <path>`, JSON encoding) every
/// `interval` (a quarter second: at tens of thousands of spans a second, a longer one overflows the buffer), in requests of at most `batchSize` spans, and once more on shutdown. Requests never
/// wait on it: spans wait in the ``SpanBuffer``, and what cannot be sent is counted as dropped.
/// Plain `http://` only (a collector on the host or a sidecar is the usual arrangement).
public struct OTLPExporter: Service {
    public let buffer: SpanBuffer
    public let host: String
    public let port: Int
    public let path: String
    public let serviceName: String
    public var interval: Duration = .milliseconds(250)
    public var batchSize = 512
    public var timeout: Duration = .seconds(10)
    private let logger: Logger

    public init(buffer: SpanBuffer, host: String, port: Int, path: String, serviceName: String, logger: Logger) {
        self.buffer = buffer
        self.host = host
        self.port = port
        self.path = path
        self.serviceName = serviceName
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            await flush()
        }
        await flush()  // the spans of the last requests
    }

    /// Sends everything buffered now.
    public func flush() async {
        while true {
            let spans = buffer.take(upTo: batchSize)
            if spans.isEmpty { return }
            do {
                try await post(OTLPJSONEncoding.request(spans, serviceName: serviceName))
            } catch {
                buffer.countDropped(spans.count)
                logger.warning("trace export failed", metadata: ["endpoint": "http://\(host):\(port)\(path)", "error": "\(error)",
                                                               "spans": "\(spans.count)"])
                return  // the collector is away: try again at the next interval
            }
        }
    }

    struct ExportFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// One HTTP/1.1 request on its own connection (`Connection: close`): exports are rare (one a
    /// second at most), so a pool would buy nothing.
    private func post(_ body: [UInt8]) async throws {
        let timeout = self.timeout
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.send(body) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw ExportFailed(description: "no answer within \(timeout)")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func send(_ body: [UInt8]) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let head = "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        var request = ByteBuffer(string: head)
        request.writeBytes(body)
        let statusLine = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(request)
            var received = ByteBuffer()
            for try await chunk in inbound {
                received.writeImmutableBuffer(chunk)
                if let line = received.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                    return String(decoding: received.readableBytesView[..<line], as: UTF8.self)
                }
            }
            return String(buffer: received)
        }
        // "HTTP/1.1 200 OK": any 2xx is accepted (OTLP answers 200 with a possibly empty body).
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[1].hasPrefix("2") else {
            throw ExportFailed(description: "collector answered '\(statusLine.prefix(80))'")
        }
    }
}
