import Foundation
import SmallyAccounts
import Testing

/// Issue #14: a usage report reads the store while holding the recorder's commit lock; a slow
/// store must not hold that lock (and so the usage writes) longer than the report's deadline.
@Suite("usage report deadline") struct UsageReportDeadlineTests {
    @Test("a report on a store that does not answer fails after usageReadTimeout and usage writes go on")
    func slowReadIsBounded() async throws {
        try await TestEnvironment.withStore(.sqlite) { base in
            let store = FlakyStore(base)
            let recorder = UsageRecorder(store: store, logger: TestEnvironment.logger)
            let admin = AccountsAdmin(store: store, usageRecorder: recorder, usageReadTimeout: .milliseconds(200))
            let organization = try await admin.createOrganization(name: "acme", tier: .free)
            let key = try await admin.createKey(organization: "acme")
            store.usageReadDelay = .seconds(30)

            let start = ContinuousClock.now
            do {
                _ = try await admin.usage(organization: "acme")
                Issue.record("the report must give up")
            } catch let error as AccountsError {
                #expect(error.code == .storageUnavailable)
            }
            // Far below the store's 30 s, with room for a loaded 2-core box.
            #expect(ContinuousClock.now - start < .seconds(5), "took \(ContinuousClock.now - start)")

            // The commit lock is free again: a flush commits at once.
            recorder.record(organizationID: organization.id, keyID: key.record.id, counts: UsageCounts(requests: 1, embeddings: 3))
            let flushStart = ContinuousClock.now
            #expect(await recorder.flush())
            #expect(ContinuousClock.now - flushStart < .seconds(5))
            #expect(try await base.totals(organizationID: organization.id).embeddings == 3)
        }
    }
}
