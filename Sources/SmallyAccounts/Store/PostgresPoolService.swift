import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// Runs the PostgreSQL client and watches its pool for `/metrics`. postgres-nio exposes nothing of
/// its pool (its observability delegate is internal and does not report leases), so once a second a
/// probe leases a connection like any query would and reports:
/// - `smally_db_pool_acquire_seconds`: how long that lease took. The probe queues behind the queries
///   waiting for a connection, so this is the wait a query meets now (0.1–1 ms on an idle pool);
/// - `smally_db_pool_connections_in_use` / `_open`: this process's connections that are busy (not
///   `idle` in `pg_stat_activity`, the probe's own left out) / open, beside `_max`
///   (`DATABASE_MAX_CONNECTIONS`): in use at max means the pool is exhausted.
/// The connections carry `application_name` = `smally-<pid>-<random>` so that the count is this process's.
struct PostgresPoolService: Service {
    let client: PostgresClient
    let applicationName: String
    let acquire: Metrics.Timer
    let inUse: Gauge
    let open: Gauge
    let probeInterval: Duration
    let logger: Logger

    static func make(configuration: PostgresClient.Configuration, maxConnections: Int, backgroundLogger: Logger,
                     factory: any MetricsFactory, probeInterval: Duration = .seconds(1)) -> PostgresPoolService {
        let applicationName = "smally-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        var configuration = configuration
        configuration.options.additionalStartupParameters.append(("application_name", applicationName))
        Gauge(label: "smally_db_pool_connections_max", factory: factory).record(maxConnections)
        return PostgresPoolService(
            client: PostgresClient(configuration: configuration, backgroundLogger: backgroundLogger),
            applicationName: applicationName,
            acquire: Metrics.Timer(label: "smally_db_pool_acquire_seconds", factory: factory),
            inUse: Gauge(label: "smally_db_pool_connections_in_use", factory: factory),
            open: Gauge(label: "smally_db_pool_connections_open", factory: factory),
            probeInterval: probeInterval,
            logger: backgroundLogger)
    }

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await client.run() }
            group.addTask {
                // Stops at graceful shutdown, when the client refuses new leases.
                await cancelWhenGracefulShutdown {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: probeInterval) } catch { return }
                        await probe()
                    }
                }
            }
        }
    }

    /// One probe; an unreachable database is reported elsewhere (readiness, the store's errors).
    func probe() async {
        let started = ContinuousClock.now
        _ = try? await client.withConnection { connection in
            let waited = ContinuousClock.now - started
            acquire.recordNanoseconds(waited.components.seconds * 1_000_000_000 + waited.components.attoseconds / 1_000_000_000)
            let rows = try await connection.query("""
                SELECT count(*) FILTER (WHERE state <> 'idle' AND pid <> pg_backend_pid()), count(*)
                FROM pg_stat_activity WHERE application_name = \(applicationName)
                """, logger: logger)
            for try await (busy, total) in rows.decode((Int, Int).self) {
                inUse.record(busy)
                open.record(total)
            }
        }
    }
}
