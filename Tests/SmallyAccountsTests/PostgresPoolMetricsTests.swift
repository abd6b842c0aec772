import Logging
import MetricsTestKit
import PostgresNIO
import SmallyTestSupport
@testable import SmallyAccounts
import Testing

/// The pool metrics against a real PostgreSQL: the probe sees the connections busy with queries
/// (from `pg_stat_activity`) and times acquiring a connection.
@Suite("PostgreSQL pool metrics")
struct PostgresPoolMetricsTests {
    @Test("connections in use are seen while queries run and go back to 0; acquiring is timed")
    func inUseAndAcquire() async throws {
        guard let url = try TestEnvironment.databaseURL() else { return }
        let metrics = TestMetrics()
        let pool = PostgresPoolService.make(configuration: try PostgresSettings.clientConfiguration(url: url, maxConnections: 4),
                                            maxConnections: 4, backgroundLogger: TestEnvironment.logger, factory: metrics,
                                            probeInterval: .milliseconds(100))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            defer { group.cancelAll() }
            try await withThrowingTaskGroup(of: Void.self) { queries in
                for _ in 0..<2 {
                    queries.addTask { _ = try await pool.client.query("SELECT pg_sleep(1.5)").collect() }
                }
                try await waitUntil("two busy connections seen", within: .seconds(10)) {
                    ((try? metrics.expectGauge("smally_db_pool_connections_in_use").values) ?? []).contains(2)
                }
                try await queries.waitForAll()
            }
            try await waitUntil("back to 0 in use", within: .seconds(10)) {
                (try? metrics.expectGauge("smally_db_pool_connections_in_use").lastValue) == 0
            }
            #expect(try metrics.expectGauge("smally_db_pool_connections_open").lastValue ?? 0 >= 3)
            #expect(try metrics.expectGauge("smally_db_pool_connections_max").lastValue == 4)
            // An idle pool hands out a connection in well under a second.
            let acquired = try metrics.expectTimer("smally_db_pool_acquire_seconds").values
            #expect(!acquired.isEmpty && acquired.allSatisfy { $0 < 1_000_000_000 }, "\(acquired)")
        }
    }
}
