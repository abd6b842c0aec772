import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SmallyConfiguration
@testable import SmallyServer
import Synchronization
import Testing

/// Tracing end to end: the app exports OTLP/HTTP JSON to a real HTTP receiver started here.
@Suite(.serialized)
struct TracingTests {
    /// A tiny OTLP/HTTP collector: keeps every JSON body POSTed to `/v1/traces`.
    final class Receiver: Sendable {
        let received = Mutex<[Data]>([])

        var bodies: [[String: Any]] {
            received.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        }

        var spans: [[String: Any]] {
            bodies.flatMap { body in
                (body["resourceSpans"] as? [[String: Any]] ?? []).flatMap { resource in
                    (resource["scopeSpans"] as? [[String: Any]] ?? []).flatMap { $0["spans"] as? [[String: Any]] ?? [] }
                }
            }
        }

        var serviceNames: [String] {
            bodies.flatMap { body in
                (body["resourceSpans"] as? [[String: Any]] ?? []).compactMap { resource -> String? in
                    let attributes = (resource["resource"] as? [String: Any])?["attributes"] as? [[String: Any]] ?? []
                    let name = attributes.first { $0["key"] as? String == "service.name" }
                    return (name?["value"] as? [String: Any])?["stringValue"] as? String
                }
            }
        }

        /// Runs the receiver while `body` runs, with the port it listens on.
        func run(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
            let router = Router()
            router.post("/v1/traces") { request, _ -> HTTPResponse.Status in
                let buffer = try await request.body.collect(upTo: 16 << 20)
                let data = Data(buffer.readableBytesView)
                self.received.withLock { $0.append(data) }
                return .ok
            }
            let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
            var logger = Logger(label: "otlp-receiver")
            logger.logLevel = .critical  // its shutdown by cancellation logs errors of no interest
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { portSink.yield($0.localAddress?.port ?? 0) }, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.runService(gracefulShutdownSignals: []) }
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next() else { return }
                try await body(port)
                group.cancelAll()
            }
        }
    }

    static func field(_ span: [String: Any], _ name: String) -> String? { span[name] as? String }

    static func waitFor(_ receiver: Receiver, timeout: Duration = .seconds(10), until done: ([[String: Any]]) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !done(receiver.spans), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
    }

    @Test func requestSpansContinueTheCallersTraceAndTheBatchIsLinked() async throws {
        let receiver = Receiver()
        try await receiver.run { port in
            var environment = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(port)", "OTEL_SERVICE_NAME": "smally-test"]
            environment["SMALLY_AUTH"] = "off"
            var configuration = try ServerConfiguration(environment: environment)
            configuration.port = 0
            let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
            let callerSpan = "00f067aa0ba902b7"
            try await ServerTestSupport.app(configuration).test(.live) { client in
                var headers = ServerTestSupport.jsonHeaders
                headers[.traceparent] = "00-\(traceID)-\(callerSpan)-01"
                headers[.tracestate] = "congo=t61rcWkgMzE"
                let traced = try await ServerTestSupport.post(client, "/v1/embed", #"{"texts": ["tracing one", "tracing two"]}"#, headers: headers)
                #expect(traced.status == .ok)
                // Malformed traceparent: a new trace, the request still served.
                headers[.traceparent] = "00-\(traceID.uppercased())-\(callerSpan)-01"
                headers[.tracestate] = nil
                let malformed = try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "a malformed parent"}"#, headers: headers)
                #expect(malformed.status == .ok)
                // Not sampled by the caller: nothing of that trace is exported.
                headers[.traceparent] = "00-11111111111111111111111111111111-\(callerSpan)-00"
                let unsampled = try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "not sampled"}"#, headers: headers)
                #expect(unsampled.status == .ok)
                try await Self.waitFor(receiver) { spans in
                    spans.filter { $0["name"] as? String == "request" }.count >= 2 && spans.contains { $0["name"] as? String == "response.write" }
                        && spans.filter { $0["name"] as? String == "inference.batch" }.count >= 2
                }
            }
        }
        let spans = receiver.spans
        #expect(receiver.serviceNames.allSatisfy { $0 == "smally-test" } && !receiver.serviceNames.isEmpty)
        let ours = spans.filter { Self.field($0, "traceId") == "4bf92f3577b34da6a3ce929d0e0e4736" }
        let byName = Dictionary(ours.map { (Self.field($0, "name") ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        #expect(Set(byName.keys) == ["request", "tokenize", "cache.lookup", "queue.wait", "inference", "response.write"])
        let request = try #require(byName["request"])
        #expect(Self.field(request, "parentSpanId") == "00f067aa0ba902b7")
        #expect(Self.field(request, "traceState") == "congo=t61rcWkgMzE")
        #expect(request["kind"] as? Int == 2)
        let requestSpanID = try #require(Self.field(request, "spanId"))
        #expect(requestSpanID.count == 16 && requestSpanID != "00f067aa0ba902b7")
        for name in ["tokenize", "cache.lookup", "queue.wait", "inference", "response.write"] {
            #expect(byName[name].flatMap { Self.field($0, "parentSpanId") } == requestSpanID, "\(name) is a child of the request span")
        }
        // Times are nanosecond strings and nest: the children lie inside the request span.
        func time(_ span: [String: Any]?, _ key: String) -> UInt64 { span.flatMap { ($0[key] as? String).flatMap(UInt64.init) } ?? 0 }
        #expect(time(request, "startTimeUnixNano") > 0)
        for name in ["tokenize", "cache.lookup", "queue.wait", "inference", "response.write"] {
            #expect(time(byName[name], "startTimeUnixNano") >= time(request, "startTimeUnixNano"), "\(name) starts inside the request")
            #expect(time(byName[name], "endTimeUnixNano") <= time(request, "endTimeUnixNano"), "\(name) ends inside the request")
        }
        #expect(time(byName["tokenize"], "endTimeUnixNano") <= time(byName["cache.lookup"], "startTimeUnixNano"))
        #expect(time(byName["queue.wait"], "endTimeUnixNano") == time(byName["inference"], "startTimeUnixNano"))

        // The batch: a root span of its own trace, linked to the request span; the request's
        // `inference` span links back to it.
        let batches = spans.filter { Self.field($0, "name") == "inference.batch" }
        let batch = try #require(batches.first { batch in
            (batch["links"] as? [[String: Any]] ?? []).contains {
                Self.field($0, "traceId") == "4bf92f3577b34da6a3ce929d0e0e4736" && Self.field($0, "spanId") == requestSpanID
            }
        })
        #expect(batch["parentSpanId"] == nil)
        #expect(Self.field(batch, "traceId") != "4bf92f3577b34da6a3ce929d0e0e4736")
        let inferenceLinks = byName["inference"]?["links"] as? [[String: Any]] ?? []
        #expect(inferenceLinks.contains { Self.field($0, "spanId") == Self.field(batch, "spanId") && Self.field($0, "traceId") == Self.field(batch, "traceId") })

        // The malformed parent started a new trace: a request span without a parent.
        let others = spans.filter { Self.field($0, "name") == "request" && Self.field($0, "traceId") != "4bf92f3577b34da6a3ce929d0e0e4736" }
        #expect(others.count == 1)
        #expect(others.first?["parentSpanId"] == nil)
        #expect(!spans.contains { Self.field($0, "traceId") == "11111111111111111111111111111111" })
    }

    @Test func tracingOffSendsNothing() async throws {
        let receiver = Receiver()
        try await receiver.run { port in
            // The receiver listens, but no endpoint is configured: tracing stays off.
            var configuration = try ServerConfiguration(environment: ["OTEL_SERVICE_NAME": "smally-test", "SMALLY_AUTH": "off"])
            configuration.port = 0
            #expect(configuration.tracing.endpoint == nil)
            try await ServerTestSupport.app(configuration).test(.live) { client in
                var headers = ServerTestSupport.jsonHeaders
                headers[.traceparent] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
                let response = try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "tracing off"}"#, headers: headers)
                #expect(response.status == .ok)
                try await Task.sleep(for: .milliseconds(1_500))  // longer than the exporter's interval
            }
            _ = port
        }
        #expect(receiver.received.withLock { $0.isEmpty })
    }
}
