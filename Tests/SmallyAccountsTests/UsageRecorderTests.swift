import Foundation
import Logging
import Metrics
import MetricsTestKit
import PostgresNIO
import ServiceLifecycle
@testable import SmallyAccounts
import SmallyTestSupport
import Testing

@Suite("usage recorder") struct UsageRecorderTests {
    /// Runs a recorder in a service group while `load` runs, then shuts the group down gracefully.
    static func runRecorder(_ recorder: UsageRecorder, logger: Logger, load: @escaping @Sendable () async throws -> Void) async throws {
        let group = ServiceGroup(configuration: .init(services: [.init(service: recorder)], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await load()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Concurrent load, a graceful shutdown in the middle of it (right after the last request):
    /// the store holds exactly what was recorded.
    @Test("nothing is lost on graceful shutdown", arguments: Backend.allCases)
    func nothingIsLostOnGracefulShutdown(backend: Backend) async throws {
        try await TestEnvironment.withStore(backend) { store in
            let admin = AccountsAdmin(store: store)
            let org = try await admin.createOrganization(name: "acme", tier: .free)
            let keys = [try await admin.createKey(organization: "acme").record.id, try await admin.createKey(organization: "acme").record.id]
            let recorder = UsageRecorder(store: store, flushInterval: .milliseconds(50), logger: TestEnvironment.logger)
            try await Self.runRecorder(recorder, logger: TestEnvironment.logger) {
                await withTaskGroup(of: Void.self) { group in
                    for worker in 0..<8 {
                        group.addTask {
                            for index in 0..<250 {
                                recorder.record(organizationID: org.id, keyID: keys[worker % 2],
                                                counts: UsageCounts(requests: 1, embeddings: 2, tokens: 10, cacheHits: index % 2))
                                if index % 50 == 0 { try? await Task.sleep(for: .milliseconds(20)) }
                            }
                        }
                    }
                }
            }
            #expect(recorder.isEmpty)
            #expect(try await store.totals(organizationID: org.id) == UsageCounts(requests: 2000, embeddings: 4000, tokens: 20_000, cacheHits: 1000))
            let perKey = try await admin.usage(organization: "acme").keys
            #expect(perKey.map(\.counts.requests) == [1000, 1000])
            #expect(try await store.key(id: keys[0])?.lastUsedAt != nil)
        }
    }

    /// A report that reads the store while a batch commits still counts every event once: the
    /// store read (before the commit) and the buffer read (after it) must not both miss the batch.
    @Test("reports count every event once while a batch commits") func reportsCountEveryEventOnceWhileABatchCommits() async throws {
        try await TestEnvironment.withStore(.sqlite) { base in
            let store = FlakyStore(base)
            let setup = AccountsAdmin(store: store)
            let org = try await setup.createOrganization(name: "acme", tier: .free)
            let key = try await setup.createKey(organization: "acme")
            let recorder = UsageRecorder(store: store, logger: TestEnvironment.logger)
            let admin = AccountsAdmin(store: store, usageRecorder: recorder)
            recorder.record(organizationID: org.id, keyID: key.record.id, counts: UsageCounts(requests: 1, embeddings: 2))
            store.usageReadDelay = .milliseconds(400)
            async let report = admin.usage(of: org, month: QuotaPeriod.month(containing: Date()))
            try await Task.sleep(for: .milliseconds(100))  // the report is now reading the store
            #expect(await recorder.flush())                 // and the batch commits meanwhile
            #expect(try await report.totals == UsageCounts(requests: 1, embeddings: 2))
            store.usageReadDelay = .zero
            #expect(try await admin.usage(of: org, month: QuotaPeriod.month(containing: Date())).totals == UsageCounts(requests: 1, embeddings: 2))
        }
    }

    /// Old applied-batch markers are pruned by the recorder, at most once per interval.
    @Test("recorder prunes old batch markers hourly") func recorderPrunesOldBatchMarkersHourly() async throws {
        try await TestEnvironment.withStore(.sqlite) { store in
            let admin = AccountsAdmin(store: store)
            let org = try await admin.createOrganization(name: "acme", tier: .free)
            let key = try await admin.createKey(organization: "acme")
            let recorder = UsageRecorder(store: store, logger: TestEnvironment.logger)
            let now = Date()
            let weekLater = now.addingTimeInterval(UsageRecorder.batchMarkerRetention + 60)
            recorder.record(organizationID: org.id, keyID: key.record.id, counts: UsageCounts(requests: 1, embeddings: 1))
            #expect(await recorder.flush())
            // Within the retention nothing goes.
            await recorder.pruneAppliedBatchesIfDue(now: now.addingTimeInterval(-2 * UsageRecorder.batchMarkerPruneInterval))
            #expect(try await store.pruneAppliedBatches(before: now.addingTimeInterval(-60)) == 0)
            // A week later the marker is past the retention and is pruned.
            await recorder.pruneAppliedBatchesIfDue(now: weekLater)
            #expect(try await store.pruneAppliedBatches(before: weekLater) == 0)
            // Ten minutes after that prune, a marker past the retention stays until the interval is over.
            recorder.record(organizationID: org.id, keyID: key.record.id, counts: UsageCounts(requests: 1, embeddings: 1))
            #expect(await recorder.flush())
            await recorder.pruneAppliedBatchesIfDue(now: weekLater.addingTimeInterval(600))
            #expect(try await store.pruneAppliedBatches(before: weekLater.addingTimeInterval(600)) == 1)
            #expect(try await store.totals(organizationID: org.id, month: now).requests == 2)
        }
    }

    /// The store fails for a while under load: usage stays in memory, is retried, and arrives
    /// exactly once when the store is back.
    @Test("store outage is buffered then written") func storeOutageIsBufferedThenWritten() async throws {
        try await TestEnvironment.withStore(.sqlite) { base in
            let store = FlakyStore(base)
            let admin = AccountsAdmin(store: store)
            let org = try await admin.createOrganization(name: "acme", tier: .free)
            let key = try await admin.createKey(organization: "acme").record.id
            let capture = LogCapture()
            let recorder = UsageRecorder(store: store, flushInterval: .milliseconds(50), logger: capture.logger)
            try await Self.runRecorder(recorder, logger: capture.logger) {
                for _ in 0..<100 { recorder.record(organizationID: org.id, keyID: key, counts: UsageCounts(requests: 1, embeddings: 1)) }
                try await waitUntil("first flush", within: .seconds(5)) { recorder.isEmpty }
                store.down = true
                for _ in 0..<300 {
                    recorder.record(organizationID: org.id, keyID: key, counts: UsageCounts(requests: 1, embeddings: 1))
                    try await Task.sleep(for: .milliseconds(2))
                }
                try await Task.sleep(for: .milliseconds(300))
                #expect(!recorder.isEmpty)
                store.down = false
                try await waitUntil("buffer written after the outage", within: .seconds(15)) { recorder.isEmpty }
            }
            #expect(try await store.totals(organizationID: org.id) == UsageCounts(requests: 400, embeddings: 400))
            #expect(capture.text.contains("cannot write usage"))
            #expect(capture.text.contains("usage writes recovered"))
        }
    }

    /// A real PostgreSQL that cannot be reached (nothing listens on the port), then a reachable one:
    /// the batch waits in memory and lands in the reachable database once.
    @Test("unreachable postgres then reachable") func unreachablePostgresThenReachable() async throws {
        guard let url = try TestEnvironment.databaseURL() else { return }
        try await TestEnvironment.withPostgres(url: url, logger: TestEnvironment.logger) { reachable in
            var configuration = try PostgresSettings.clientConfiguration(url: "postgres://postgres@127.0.0.1:1/none?sslmode=disable")
            configuration.options.connectTimeout = .milliseconds(200)
            let deadClient = PostgresClient(configuration: configuration, backgroundLogger: TestEnvironment.logger)
            let unreachable = PostgresAccountStore(client: deadClient, logger: TestEnvironment.logger)
            let store = SwitchableStore(unreachable)
            let admin = AccountsAdmin(store: reachable)
            let org = try await admin.createOrganization(name: "acme", tier: .free)
            let key = try await admin.createKey(organization: "acme").record.id
            let recorder = UsageRecorder(store: store, flushInterval: .milliseconds(50), writeTimeout: .milliseconds(500),
                                         logger: TestEnvironment.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await deadClient.run() }
                defer { group.cancelAll() }
                try await Self.runRecorder(recorder, logger: TestEnvironment.logger) {
                    for _ in 0..<50 { recorder.record(organizationID: org.id, keyID: key, counts: UsageCounts(requests: 1, embeddings: 3)) }
                    try await Task.sleep(for: .seconds(1))
                    #expect(!recorder.isEmpty)  // nothing could be written
                    store.switchTo(reachable)
                    try await waitUntil("usage written", within: .seconds(15)) { recorder.isEmpty }
                }
            }
            #expect(try await reachable.totals(organizationID: org.id) == UsageCounts(requests: 50, embeddings: 150))
        }
    }

    @Test("the buffer is bounded and says so") func theBufferIsBoundedAndSaysSo() async throws {
        try await TestEnvironment.withStore(.sqlite) { base in
            let store = FlakyStore(base)
            store.down = true
            let metrics = TestMetrics()
            let capture = LogCapture()
            let recorder = withMetricsFactory(metrics) {
                UsageRecorder(store: store, maxBuckets: 2, logger: capture.logger)
            }
            let now = Date()
            recorder.record(organizationID: "org_a", keyID: "key_1", counts: UsageCounts(requests: 1), at: now)
            recorder.record(organizationID: "org_a", keyID: "key_2", counts: UsageCounts(requests: 1), at: now)
            recorder.record(organizationID: "org_a", keyID: "key_1", counts: UsageCounts(requests: 1), at: now)  // same bucket: kept
            recorder.record(organizationID: "org_a", keyID: "key_3", counts: UsageCounts(requests: 1), at: now)  // a third bucket: dropped
            let dropped = try metrics.expectCounter("smally_usage_dropped_events_total")
            #expect(dropped.totalValue == 1)
            #expect(capture.text.contains("usage buffer full"))
            #expect(recorder.unwritten(organizationID: "org_a", from: now.addingTimeInterval(-120), to: now.addingTimeInterval(120))
                    == ["key_1": UsageCounts(requests: 2), "key_2": UsageCounts(requests: 1)])
            #expect(await !recorder.flush())
            let failures = try metrics.expectCounter("smally_usage_flush_failures_total")
            #expect(failures.totalValue == 1)
        }
    }

    @Test("buffer state machine") func bufferStateMachine() {
        var buffer = UsageBuffer(maxBuckets: 10)
        let now = Date()
        let bucket = UsageBucket(organizationID: "o", keyID: "k", at: now)
        buffer.record(bucket, UsageCounts(requests: 1, embeddings: 2), at: now)
        let batch = buffer.nextBatch()
        buffer.record(bucket, UsageCounts(requests: 1, embeddings: 2), at: now)  // arrives while the batch is in flight
        #expect(buffer.nextBatch()?.id == batch?.id)  // a failed batch is retried as is
        buffer.completed(batch!.id)
        let next = buffer.nextBatch()
        #expect(next != nil && next?.id != batch?.id && next?.totals == UsageCounts(requests: 1, embeddings: 2))
        buffer.completed(next!.id)
        #expect(buffer.isEmpty && buffer.nextBatch() == nil)
    }
}

/// Forwards to one store, then (after `switchTo`) to another.
final class SwitchableStore: AccountStore, @unchecked Sendable {
    private let lock = NSLock()
    private var current: any AccountStore
    init(_ store: any AccountStore) { current = store }
    func switchTo(_ store: any AccountStore) { lock.withLock { current = store } }
    private var base: any AccountStore { lock.withLock { current } }

    var backend: String { base.backend }
    func migrate() async throws -> [Int] { try await base.migrate() }
    func appliedMigrations() async throws -> [Int] { try await base.appliedMigrations() }
    func ping() async throws { try await base.ping() }
    func insertOrganization(_ organization: Organization) async throws { try await base.insertOrganization(organization) }
    func organization(named name: String) async throws -> Organization? { try await base.organization(named: name) }
    func organization(id: String) async throws -> Organization? { try await base.organization(id: id) }
    func organizations() async throws -> [Organization] { try await base.organizations() }
    func updateOrganization(_ organization: Organization) async throws { try await base.updateOrganization(organization) }
    func updateOrganization(named name: String, _ change: @escaping @Sendable (inout Organization) throws -> Void) async throws -> Organization {
        try await base.updateOrganization(named: name, change)
    }
    func insertKey(_ key: APIKeyRecord) async throws { try await base.insertKey(key) }
    func key(id: String) async throws -> APIKeyRecord? { try await base.key(id: id) }
    func keys(organizationID: String?) async throws -> [APIKeyRecord] { try await base.keys(organizationID: organizationID) }
    func credential(hash: String) async throws -> (key: APIKeyRecord, organization: Organization)? { try await base.credential(hash: hash) }
    func updateKey(_ key: APIKeyRecord) async throws { try await base.updateKey(key) }
    func apply(_ batch: UsageBatch) async throws { try await base.apply(batch) }
    func pruneAppliedBatches(before date: Date) async throws -> Int { try await base.pruneAppliedBatches(before: date) }
    func usage(organizationID: String, from: Date, to: Date) async throws -> [KeyUsage] {
        try await base.usage(organizationID: organizationID, from: from, to: to)
    }
    func usageByModel(organizationID: String, from: Date, to: Date) async throws -> [ModelUsage] {
        try await base.usageByModel(organizationID: organizationID, from: from, to: to)
    }
    func embeddings(organizationID: String, from: Date, to: Date) async throws -> Int {
        try await base.embeddings(organizationID: organizationID, from: from, to: to)
    }
    func dailyUsage(organizationID: String, from: Date, to: Date) async throws -> [DailyUsage] {
        try await base.dailyUsage(organizationID: organizationID, from: from, to: to)
    }
    func insertSession(_ session: ConsoleSessionRecord) async throws { try await base.insertSession(session) }
    func session(idHash: String) async throws -> ConsoleSessionRecord? { try await base.session(idHash: idHash) }
    func touchSession(idHash: String, at date: Date) async throws { try await base.touchSession(idHash: idHash, at: date) }
    func deleteSession(idHash: String) async throws { try await base.deleteSession(idHash: idHash) }
    func deleteSessions(expiredBefore date: Date) async throws -> Int { try await base.deleteSessions(expiredBefore: date) }
}
