import Foundation
import SmallyAccounts
import SmallyJSON
import Testing

/// What the web console needs from the stores: key roles, per-day sums in SQL, and sessions
/// (idle and absolute expiry, the signing key re-checked, sign-out, kept across a restart).
@Suite("console in the store") struct ConsoleStoreTests {
    @Test("keys have roles: embed by default, admin when asked; kept by rotation and shown in JSON", arguments: Backend.allCases)
    func roles(backend: Backend) async throws {
        try await TestEnvironment.withStore(backend) { store in
            let admin = AccountsAdmin(store: store)
            _ = try await admin.createOrganization(name: "acme", tier: .free)
            let plain = try await admin.createKey(organization: "acme", name: "api")
            let boss = try await admin.createKey(organization: "acme", name: "boss", role: .admin)
            #expect(try await store.key(id: plain.record.id)?.role == .embed)
            #expect(try await store.key(id: boss.record.id)?.role == .admin)
            #expect(try await store.credential(hash: APIKeyFormat.hash(boss.secret))?.key.role == .admin)
            // Both keys may share a creation second, and then the store orders them by their random ids.
            #expect(try await store.keys(organizationID: nil).sorted { $0.name < $1.name }.map(\.role) == [.embed, .admin])
            let rotated = try await admin.rotateKey(id: boss.record.id)
            #expect(rotated.created.record.role == .admin)
            let json = admin.json(boss.record, organization: boss.organization).rendered()
            #expect(json.contains(#""role":"admin""#), "\(json)")
            #expect(throws: AccountsError.self) { try KeyRole.parse("root") }
            #expect(try KeyRole.parse("ADMIN") == .admin)
        }
    }

    @Test("embeddings per UTC day are summed by the store, across keys and models", arguments: Backend.allCases)
    func dailyUsage(backend: Backend) async throws {
        try await TestEnvironment.withStore(backend) { store in
            let admin = AccountsAdmin(store: store)
            let acme = try await admin.createOrganization(name: "acme", tier: .free)
            let other = try await admin.createOrganization(name: "other", tier: .free)
            let day0: Int64 = 20_000 * 86_400  // a midnight UTC
            var counts: [UsageBucket: UsageCounts] = [:]
            // Day 0: two keys, two models, first and last minute; day 2: one row; another organization's row on day 0.
            counts[UsageBucket(organizationID: acme.id, keyID: "k1", minute: day0, model: "a")] = UsageCounts(requests: 1, embeddings: 3, tokens: 9, cacheHits: 1)
            counts[UsageBucket(organizationID: acme.id, keyID: "k2", minute: day0 + 86_340, model: "b")] = UsageCounts(requests: 2, embeddings: 4, tokens: 8)
            counts[UsageBucket(organizationID: acme.id, keyID: "k1", minute: day0 + 2 * 86_400 + 60)] = UsageCounts(requests: 1, embeddings: 5, tokens: 10)
            counts[UsageBucket(organizationID: other.id, keyID: "k9", minute: day0)] = UsageCounts(requests: 7, embeddings: 70, tokens: 700)
            try await store.apply(UsageBatch(counts: counts, lastUsed: [:]))
            let from = Date(timeIntervalSince1970: TimeInterval(day0)), to = from.addingTimeInterval(3 * 86_400)
            let days = try await store.dailyUsage(organizationID: acme.id, from: from, to: to)
            #expect(days == [
                DailyUsage(day: from, counts: UsageCounts(requests: 3, embeddings: 7, tokens: 17, cacheHits: 1)),
                DailyUsage(day: from.addingTimeInterval(2 * 86_400), counts: UsageCounts(requests: 1, embeddings: 5, tokens: 10)),
            ])
            // The window's bounds: day 0 left out.
            #expect(try await store.dailyUsage(organizationID: acme.id, from: from.addingTimeInterval(86_400), to: to).map(\.counts.embeddings) == [5])
        }
    }

    /// An organization with an admin key, an embed key and the sessions object on a moved-by-hand clock.
    struct Fixture {
        let admin: AccountsAdmin
        let sessions: ConsoleSessions
        let clock: TestClock
        let adminKey: AccountsAdmin.CreatedKey
        let embedKey: AccountsAdmin.CreatedKey
    }

    static func fixture(_ store: any AccountStore) async throws -> Fixture {
        let clock = TestClock(Timestamps.now())
        let admin = AccountsAdmin(store: store, now: { clock.now })
        _ = try await admin.createOrganization(name: "acme", tier: .free)
        let adminKey = try await admin.createKey(organization: "acme", name: "boss", role: .admin)
        let embedKey = try await admin.createKey(organization: "acme", name: "api")
        let sessions = ConsoleSessions(store: store, format: admin.format, settings: ConsoleSessionSettings(idleTimeout: 600, lifetime: 3_600),
                                       now: { clock.now })
        return Fixture(admin: admin, sessions: sessions, clock: clock, adminKey: adminKey, embedKey: embedKey)
    }

    @Test("sign-in takes admin keys only; a session ends when idle, at its absolute end, at sign-out, or when its key is revoked",
          arguments: Backend.allCases)
    func sessions(backend: Backend) async throws {
        try await TestEnvironment.withStore(backend) { store in
            let f = try await Self.fixture(store)
            // Refusals, each for its reason.
            #expect(try await f.sessions.signIn(key: f.embedKey.secret).refusal == .notAdmin)
            #expect(try await f.sessions.signIn(key: "sk_nope").refusal == .malformed)
            #expect(try await f.sessions.signIn(key: f.admin.format.generate().key).refusal == .unknown)

            // A session: the store keeps the id's hash, never the id.
            let (id, signedIn) = try #require(try await f.sessions.signIn(key: " \(f.adminKey.secret)\n").success)
            #expect(signedIn.organization?.name == "acme" && signedIn.key?.id == f.adminKey.record.id && !signedIn.isOperator)
            #expect(try await store.session(idHash: id) == nil)
            #expect(try await store.session(idHash: APIKeyFormat.hash(id)) != nil)
            #expect(try await f.sessions.resume(id: id)?.key?.id == f.adminKey.record.id)
            #expect(try await f.sessions.resume(id: (id.first == "A" ? "B" : "A") + id.dropFirst()) == nil)

            // Idle: used every 9 minutes it lives on; 10 minutes unused ends it.
            for _ in 0..<3 {
                f.clock.advance(540)
                #expect(try await f.sessions.resume(id: id) != nil)
            }
            f.clock.advance(600)
            #expect(try await f.sessions.resume(id: id) == nil)
            #expect(try await store.session(idHash: APIKeyFormat.hash(id)) == nil, "an expired session is deleted")

            // Absolute: however active, it ends an hour after sign-in.
            let (second, _) = try #require(try await f.sessions.signIn(key: f.adminKey.secret).success)
            for _ in 0..<6 {
                f.clock.advance(590)
                #expect(try await f.sessions.resume(id: second) != nil)
            }
            f.clock.advance(60)
            #expect(try await f.sessions.resume(id: second) == nil)

            // Sign-out ends it in the store (so on every node).
            let (third, _) = try #require(try await f.sessions.signIn(key: f.adminKey.secret).success)
            try await f.sessions.signOut(id: third)
            #expect(try await f.sessions.resume(id: third) == nil)

            // Revoking the key ends its sessions at once.
            let (fourth, _) = try #require(try await f.sessions.signIn(key: f.adminKey.secret).success)
            _ = try await f.admin.revokeKey(id: f.adminKey.record.id)
            #expect(try await f.sessions.resume(id: fourth) == nil)
            #expect(try await f.sessions.signIn(key: f.adminKey.secret).refusal == .unusable)

            // The operator's session belongs to no organization.
            let (op, opSigned) = try await f.sessions.signInOperator()
            #expect(opSigned.isOperator)
            #expect(try await f.sessions.resume(id: op)?.isOperator == true)
            // Every sign-in made a new id.
            #expect(Set([id, second, third, fourth, op]).count == 5)
        }
    }

    @Test("a session survives a restart: another store on the same file honours it")
    func sessionSurvivesRestart() async throws {
        let directory = TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = SQLiteAccountStore(path: directory + "/smally.sqlite", logger: TestEnvironment.logger)
        try await first.migrate()
        let f = try await Self.fixture(first)
        let (id, _) = try #require(try await f.sessions.signIn(key: f.adminKey.secret).success)
        try await first.close()
        let second = SQLiteAccountStore(path: directory + "/smally.sqlite", logger: TestEnvironment.logger)
        let again = ConsoleSessions(store: second, format: f.admin.format, settings: f.sessions.settings, now: { f.clock.now })
        #expect(try await again.resume(id: id)?.organization?.name == "acme")
        try await second.close()
    }

    @Test("the overview fills days without usage with zeros, oldest first")
    func overviewFill() {
        let from = Date(timeIntervalSince1970: 20_000 * 86_400)
        let rows = [DailyUsage(day: from.addingTimeInterval(86_400), counts: UsageCounts(embeddings: 4))]
        let days = ConsoleOverview.fill(rows, from: from, count: 3)
        #expect(days.map(\.counts.embeddings) == [0, 4, 0])
        #expect(days.map(\.day) == [from, from.addingTimeInterval(86_400), from.addingTimeInterval(2 * 86_400)])
    }
}

extension Result {
    var success: Success? { if case .success(let value) = self { value } else { nil } }
}

extension Result where Failure == ConsoleSessions.RefusalError {
    var refusal: ConsoleSessions.Refusal? { if case .failure(let error) = self { error.reason } else { nil } }
}
