import Foundation
import Hummingbird
import HummingbirdTesting
@testable import SmallyServer
import SmallyTestSupport
import Testing

/// The metrics PERFORMANCE.md's troubleshooting section sends people to: queue wait and event-loop lag
/// (the database pool's are tested against PostgreSQL in SmallyAccountsTests).
@Suite("troubleshooting metrics")
struct TroubleshootingMetricsTests {
    @Test("a computed text records its queue wait; the running server records event-loop lag")
    func queueWaitAndEventLoopLag() async throws {
        let metrics = ServerMetrics(registry: .init())
        try await ServerTestSupport.app(ServerTestSupport.configuration { $0.l1CacheSize = 0 }, metrics: metrics).test(.live) { client in
            let response = try await ServerTestSupport.post(client, "/v1/embed", #"{"texts": ["queue wait one", "queue wait two"]}"#)
            #expect(response.status == .ok)
            // The lag monitor probes every loop every 0.5 s from the start.
            var text = ""
            _ = try await waitUntil("event-loop lag recorded", within: .seconds(10)) {
                text = String(buffer: (try? await client.execute(uri: "/metrics", method: .get).body) ?? ByteBuffer())
                return Self.count("smally_event_loop_lag_seconds_count", in: text) > 0
            }
            #expect(Self.count("smally_queue_wait_seconds_count", in: text) == 2)
            // Nothing blocks the loops here: most probes ran within 100 ms of being submitted.
            let fast = Self.count(#"smally_event_loop_lag_seconds_bucket{le="0.1"}"#, in: text)
            #expect(fast >= 1, "\(text.split(separator: "\n").filter { $0.contains("event_loop") })")
        }
    }

    /// The value of the first exposition line that starts with `prefix`.
    static func count(_ prefix: String, in text: String) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            return Double(line.split(separator: " ").last ?? "") ?? -1
        }
        return -1
    }
}
