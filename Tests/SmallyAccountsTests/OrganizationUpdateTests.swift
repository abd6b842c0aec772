import Foundation
import SmallyAccounts
import Testing

/// Issue #14: the admin PATCH of an organization reads, changes and writes in one transaction.
@Suite("organization update") struct OrganizationUpdateTests {
    @Test("20 concurrent read-modify-write updates of one organization all take effect", arguments: Backend.allCases)
    func concurrentUpdatesAreNotLost(backend: Backend) async throws {
        try await TestEnvironment.withStore(backend) { store in
            let admin = AccountsAdmin(store: store)
            _ = try await admin.createOrganization(name: "acme", tier: .free, monthlyQuota: 0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        // A read-then-write outside a transaction would lose some of these increments.
                        _ = try await store.updateOrganization(named: "acme") { $0.monthlyQuota = ($0.monthlyQuota ?? 0) + 1 }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.organization(named: "acme")?.monthlyQuota == 20)
        }
    }

    @Test("absent fields keep their value, .some(nil) clears an override, an invalid change or unknown name writes nothing",
          arguments: Backend.allCases)
    func fieldSemantics(backend: Backend) async throws {
        try await TestEnvironment.withStore(backend) { store in
            let changes = CallCounter()
            let admin = AccountsAdmin(store: store, onChange: { changes.increment() })
            _ = try await admin.createOrganization(name: "acme", tier: .free, monthlyQuota: 5, requestsPerMinute: 7)

            let tierOnly = try await admin.updateOrganization(named: "acme", tier: .scale)
            #expect(tierOnly.tier == .scale && tierOnly.monthlyQuota == 5 && tierOnly.requestsPerMinute == 7)
            let cleared = try await admin.updateOrganization(named: "acme", monthlyQuota: .some(nil))
            #expect(cleared.tier == .scale && cleared.monthlyQuota == nil && cleared.requestsPerMinute == 7)
            let set = try await admin.updateOrganization(named: "acme", requestsPerMinute: .some(30))
            #expect(set.requestsPerMinute == 30 && set.monthlyQuota == nil)
            #expect(try await store.organization(named: "acme") == set)
            #expect(changes.value == 3)

            await #expect(throws: AccountsError(.invalidArgument, "per_minute must be between 1 and \(AccountsAdmin.maximumRequestsPerMinute)")) {
                _ = try await admin.updateOrganization(named: "acme", tier: .pro, requestsPerMinute: .some(0))
            }
            #expect(try await store.organization(named: "acme") == set)  // rolled back: tier unchanged too
            do {
                _ = try await admin.updateOrganization(named: "nobody", tier: .pro)
                Issue.record("updating a missing organization must fail")
            } catch let error as AccountsError {
                #expect(error.code == .notFound)
            }
            #expect(changes.value == 3)
        }
    }
}

final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}
