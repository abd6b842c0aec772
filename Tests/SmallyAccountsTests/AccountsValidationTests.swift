import Foundation
import SmallyAccounts
import Testing

/// Issue #14: every name, duration and limit the admin operations accept is bounded; extreme
/// values are refused with `.invalidArgument` naming the field, never a crash.
@Suite("accounts validation") struct AccountsValidationTests {
    static func expectInvalid(_ field: String, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            try await body()
            Issue.record("accepted; expected an invalid-argument error about \(field)", sourceLocation: sourceLocation)
        } catch let error as AccountsError {
            #expect(error.code == .invalidArgument, sourceLocation: sourceLocation)
            #expect(error.message.contains(field), "'\(error.message)' should name \(field)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("durations: overflowing, huge, non-numeric and empty texts are refused; sane ones parse")
    func durations() async throws {
        for text in ["999999999999d", "1e309s", "", "d", "5", "-5d", "3651d", "9999999999s", "1.5h", "99999999w", "1h 30m", "٣d"] {
            await Self.expectInvalid("expires_in") { _ = try DurationParser.seconds(text, field: "expires_in") }
        }
        #expect(try DurationParser.seconds("1h30m") == 5_400)
        #expect(try DurationParser.seconds("3650d") == DurationParser.maximumSeconds)
        #expect(try DurationParser.seconds("2w") == 1_209_600)
    }

    @Test("key names with control characters or too long, and extreme expiries and grace periods, are refused")
    func keyArguments() async throws {
        try await TestEnvironment.withStore(.sqlite) { store in
            let admin = AccountsAdmin(store: store)
            _ = try await admin.createOrganization(name: "acme", tier: .free)
            for name in ["", "a\u{0}b", "line\nbreak", "tab\there", "del\u{7F}", "c1\u{85}", "esc\u{1B}[31m", String(repeating: "x", count: 101)] {
                await Self.expectInvalid("name") { _ = try await admin.createKey(organization: "acme", name: name) }
            }
            for seconds in [TimeInterval.infinity, -.infinity, .nan, -1, 0, Double(Int.max), 1e300, DurationParser.maximumSeconds + 1] {
                await Self.expectInvalid("expires_in") { _ = try await admin.createKey(organization: "acme", expiresIn: seconds) }
            }
            let key = try await admin.createKey(organization: "acme", name: "ok — ünïcode ✓", expiresIn: DurationParser.maximumSeconds)
            for seconds in [TimeInterval.infinity, .nan, -1, 1e18] {
                await Self.expectInvalid("grace") { _ = try await admin.rotateKey(id: key.record.id, grace: seconds) }
            }
            #expect(try await admin.keys(organization: "acme").count == 1)  // nothing refused was written
        }
    }

    @Test("organization names and limits: out-of-range numbers and control characters are refused")
    func organizationArguments() async throws {
        try await TestEnvironment.withStore(.sqlite) { store in
            let admin = AccountsAdmin(store: store)
            for name in ["", "a\u{0}", "new\nline", String(repeating: "o", count: 65)] {
                await Self.expectInvalid("organization names") { _ = try await admin.createOrganization(name: name, tier: .free) }
            }
            for quota in [Int.max, Int.min, -1, AccountsAdmin.maximumMonthlyQuota + 1] {
                await Self.expectInvalid("monthly_quota") { _ = try await admin.createOrganization(name: "acme", tier: .free, monthlyQuota: quota) }
            }
            for perMinute in [Int.max, Int.min, 0, -1, AccountsAdmin.maximumRequestsPerMinute + 1] {
                await Self.expectInvalid("per_minute") { _ = try await admin.createOrganization(name: "acme", tier: .free, requestsPerMinute: perMinute) }
            }
            _ = try await admin.createOrganization(name: "acme", tier: .free, monthlyQuota: AccountsAdmin.maximumMonthlyQuota)
            await Self.expectInvalid("monthly_quota") { _ = try await admin.updateOrganization(named: "acme", monthlyQuota: .some(Int.max)) }
            await Self.expectInvalid("per_minute") { _ = try await admin.setTier(organization: "acme", tier: .pro, requestsPerMinute: .some(Int.min)) }
            let stored = try #require(try await store.organization(named: "acme"))
            #expect(stored.tier == .free && stored.monthlyQuota == AccountsAdmin.maximumMonthlyQuota && stored.requestsPerMinute == nil)
        }
    }
}
