import Foundation
@testable import SmallyAccounts
import SmallyTestSupport
import Testing

@Suite("usage journal") struct UsageJournalTests {
    @Test("a line round-trips, a model name with separators included; a line cut short is skipped")
    func roundTrip() throws {
        let date = Date(timeIntervalSince1970: 1_780_000_123.456)
        let bucket = UsageBucket(organizationID: "org_1", keyID: "key_1", at: date, model: "odd\tname%\nmodel")
        var data: [UInt8] = []
        UsageJournal.encode(bucket, UsageCounts(requests: 1, embeddings: 3, tokens: 40, cacheHits: 2), at: date, into: &data)
        UsageJournal.encode(bucket, UsageCounts(requests: 1, embeddings: 1, tokens: 5, cacheHits: 0), at: date, into: &data)
        var torn = data
        UsageJournal.encode(bucket, UsageCounts(requests: 1, embeddings: 100, tokens: 1, cacheHits: 0), at: date, into: &torn)
        torn.removeLast(3)
        let batch = UsageJournal.decode(id: "batch_x", Data(torn))
        #expect(batch.id == "batch_x")
        #expect(batch.counts == [bucket: UsageCounts(requests: 2, embeddings: 4, tokens: 45, cacheHits: 2)])
        #expect(batch.lastUsed["key_1"].map { abs($0.timeIntervalSince(date)) < 0.002 } == true)
    }

    @Test("one process per directory")
    func lock() throws {
        let directory = TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try UsageJournal(directory: directory)
        #expect(throws: AccountsError.self) { try UsageJournal(directory: directory) }
        _ = first
    }

    /// A process killed before its flush: the next one writes what the journal holds, exactly once,
    /// also for a batch the store had already applied before the kill (its file was not yet deleted).
    @Test("usage recorded before a kill is written at the next start, once", arguments: Backend.allCases)
    func survivesKill(backend: Backend) async throws {
        try await TestEnvironment.withStore(backend) { store in
            let directory = TestEnvironment.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let admin = AccountsAdmin(store: store)
            let org = try await admin.createOrganization(name: "acme", tier: .free)
            let key = try await admin.createKey(organization: "acme").record.id
            let month = QuotaPeriod.month(containing: Date())
            @Sendable func stored() async throws -> UsageCounts {
                try await store.usage(organizationID: org.id, from: month.start, to: month.end).reduce(.zero) { $0 + $1.counts }
            }
            do {
                // The "killed" process: a batch applied but its file not yet deleted, then 30 more
                // requests never flushed. Nothing runs its shutdown.
                let journal = try UsageJournal(directory: directory)
                let recorder = UsageRecorder(store: store, journal: journal, logger: TestEnvironment.logger)
                for _ in 0..<20 { recorder.record(organizationID: org.id, keyID: key, counts: UsageCounts(requests: 1, embeddings: 2)) }
                let sealed = try #require(journal.seal())
                try await store.apply(UsageJournal.decode(id: sealed, try Data(contentsOf: URL(fileURLWithPath: journal.path(of: sealed)))))
                for _ in 0..<30 { recorder.record(organizationID: org.id, keyID: key, counts: UsageCounts(requests: 1, embeddings: 2)) }
                #expect(try await stored() == UsageCounts(requests: 20, embeddings: 40))
            }
            // The next start replays both files; the applied one is not counted again.
            let recorder = UsageRecorder(store: store, flushInterval: .milliseconds(50), journal: try UsageJournal(directory: directory),
                                         logger: TestEnvironment.logger)
            try await UsageRecorderTests.runRecorder(recorder, logger: TestEnvironment.logger) {
                recorder.record(organizationID: org.id, keyID: key, counts: UsageCounts(requests: 1, embeddings: 2))
                try await waitUntil("replayed", within: .seconds(5)) { (try? await stored())?.requests == 51 }
            }
            #expect(try await stored() == UsageCounts(requests: 51, embeddings: 102))
            // Everything written: no journal file is left.
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".journal") }.isEmpty)
        }
    }
}
