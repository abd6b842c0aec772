import Foundation
import SmallyAccounts
import SmallyConfiguration
import SmallyJSON
import Testing

/// The same tests against PostgreSQL and the embedded SQLite store.
@Suite("store") struct StoreTests {
    @Test("migrations are versioned and idempotent", arguments: Backend.allCases)
    func migrationsAreVersionedAndIdempotent(backend: Backend) async throws {
        try await TestEnvironment.withStore(backend) { store in
            #expect(try await store.appliedMigrations() == [1, 2, 3, 4, 5])
            #expect(try await store.migrate() == [])
            #expect(try await store.appliedMigrations() == [1, 2, 3, 4, 5])
            try await store.ping()
        }
    }

    @Test("organizations", arguments: Backend.allCases)
    func organizations(backend: Backend) async throws {
        try await TestEnvironment.withStore(backend) { store in
            let admin = AccountsAdmin(store: store)
            let acme = try await admin.createOrganization(name: "acme", tier: .pro)
            let tiny = try await admin.createOrganization(name: "tiny", tier: .free, monthlyQuota: 10, requestsPerMinute: 2)
            await #expect(throws: AccountsError.self) { try await admin.createOrganization(name: "acme", tier: .free) }
            await #expect(throws: AccountsError.self) { try await admin.createOrganization(name: "bad name!", tier: .free) }

            #expect(try await store.organization(named: "acme") == acme)
            #expect(try await store.organization(id: tiny.id) == tiny)
            #expect(try await store.organizations().map(\.name) == ["acme", "tiny"])
            #expect(admin.tierLimits.effective(for: tiny) == .init(embeddingsPerMonth: 10, requestsPerMinute: 2))
            #expect(admin.tierLimits.effective(for: acme) == .init(embeddingsPerMonth: 100_000, requestsPerMinute: 600))

            let scaled = try await admin.setTier(organization: "acme", tier: .scale)
            #expect(try await store.organization(named: "acme")?.tier == .scale)
            #expect(admin.tierLimits.effective(for: scaled).embeddingsPerMonth == 2_000_000)
            _ = try await admin.setTier(organization: "tiny", tier: .pro, monthlyQuota: .some(nil), requestsPerMinute: .some(nil))
            let cleared = try #require(try await store.organization(named: "tiny"))
            #expect(cleared.monthlyQuota == nil && cleared.requestsPerMinute == nil && cleared.tier == .pro)
            await #expect(throws: AccountsError.self) { try await admin.setTier(organization: "nobody", tier: .pro) }
        }
    }

    @Test("key lifecycle", arguments: Backend.allCases)
    func keyLifecycle(backend: Backend) async throws {
        try await TestEnvironment.withStore(backend) { store in
            let clock = TestClock(Timestamps.now())
            let admin = AccountsAdmin(store: store, now: { clock.now })
            _ = try await admin.createOrganization(name: "acme", tier: .free)

            // Create: the secret has the documented shape; only its hash and prefix are stored.
            let created = try await admin.createKey(organization: "acme", name: "ci")
            #expect(created.secret.hasPrefix("sk_") && created.secret.count == 3 + 43)
            #expect(admin.format.isWellFormed(Substring(created.secret)))
            #expect(created.record.hash == APIKeyFormat.hash(created.secret))
            #expect(created.secret.hasPrefix(created.record.prefix) && created.record.prefix.count == 9)
            let stored = try #require(try await store.key(id: created.record.id))
            #expect(stored == created.record)
            #expect(stored.hash != created.secret)
            let found = try #require(try await store.credential(hash: APIKeyFormat.hash(created.secret)))
            #expect(found.key.id == created.record.id && found.organization.name == "acme")
            #expect(try await store.credential(hash: APIKeyFormat.hash("sk_nothing")) == nil)
            // The JSON shape of `keys create --json`.
            let json = admin.json(created)
            #expect(json["id"] == .string(created.record.id) && json["key"] == .string(created.secret))
            #expect(json["org"] == .string("acme") && json["prefix"] == .string(created.record.prefix))
            #expect(!admin.json(created.record, organization: found.organization).rendered().contains(created.secret))
            #expect(!admin.json(created).rendered().contains(created.record.hash))

            // List.
            let second = try await admin.createKey(organization: "acme", name: "other", expiresIn: 3600)
            #expect(Set(try await admin.keys(organization: "acme").map(\.0.id)) == [created.record.id, second.record.id])
            #expect(try await admin.keys(organization: nil).count == 2)
            #expect(second.record.expiresAt == Timestamps.truncate(clock.now.addingTimeInterval(3600)))

            // Rotate: a new usable key; the old one works until the grace period ends.
            let rotated = try await admin.rotateKey(id: created.record.id, grace: 60)
            #expect(rotated.created.secret != created.secret)
            #expect(rotated.created.record.name == "ci")
            let old = try #require(try await store.key(id: created.record.id))
            #expect(old.status(at: clock.now) == .active)
            #expect(old.status(at: clock.now.addingTimeInterval(61)) == .expired)
            #expect(try await store.key(id: rotated.created.record.id)?.isUsable(at: clock.now.addingTimeInterval(61)) == true)

            // Revoke.
            let revoked = try await admin.revokeKey(id: rotated.created.record.id)
            #expect(revoked.status(at: clock.now) == .revoked)
            #expect(try await store.key(id: rotated.created.record.id)?.revokedAt == revoked.revokedAt)
            await #expect(throws: AccountsError.self) { try await admin.rotateKey(id: revoked.id) }
            await #expect(throws: AccountsError.self) { try await admin.revokeKey(id: "key_missing") }

            // Expiry.
            clock.advance(3601)
            #expect(try await store.key(id: second.record.id)?.status(at: clock.now) == .expired)
        }
    }

    @Test("usage batches are applied once", arguments: Backend.allCases)
    func usageBatchesAreAppliedOnce(backend: Backend) async throws {
        try await TestEnvironment.withStore(backend) { store in
            let admin = AccountsAdmin(store: store)
            let org = try await admin.createOrganization(name: "acme", tier: .free)
            let key = try await admin.createKey(organization: "acme")
            let now = Date()
            let minute = UsageBucket(organizationID: org.id, keyID: key.record.id, at: now)
            let earlier = UsageBucket(organizationID: org.id, keyID: key.record.id, at: now.addingTimeInterval(-60))
            let batch = UsageBatch(counts: [minute: UsageCounts(requests: 3, embeddings: 7, tokens: 70, cacheHits: 2),
                                            earlier: UsageCounts(requests: 1, embeddings: 1, tokens: 5, cacheHits: 0)],
                                   lastUsed: [key.record.id: Timestamps.truncate(now)])
            try await store.apply(batch)
            try await store.apply(batch)  // a retry of a batch that was written: no effect
            let expected = UsageCounts(requests: 4, embeddings: 8, tokens: 75, cacheHits: 2)
            let month = QuotaPeriod.month(containing: now)
            // (On the first minute of a month `earlier` falls in the previous one.)
            let inMonth = QuotaPeriod.month(containing: now.addingTimeInterval(-60)) == month ? expected
                : UsageCounts(requests: 3, embeddings: 7, tokens: 70, cacheHits: 2)
            #expect(try await store.totals(organizationID: org.id, month: now) == inMonth)
            #expect(try await store.embeddings(organizationID: org.id, from: month.start, to: month.end) == inMonth.embeddings)
            #expect(try await store.key(id: key.record.id)?.lastUsedAt == Timestamps.truncate(now))

            // A second batch adds to the same rows.
            try await store.apply(UsageBatch(counts: [minute: UsageCounts(requests: 1, embeddings: 2, tokens: 3, cacheHits: 1)], lastUsed: [:]))
            #expect(try await store.totals(organizationID: org.id, month: now) == inMonth + UsageCounts(requests: 1, embeddings: 2, tokens: 3, cacheHits: 1))

            // The report (CLI `usage --json`).
            let report = try await admin.usage(organization: "acme")
            #expect(report.totals.embeddings == inMonth.embeddings + 2)
            let json = admin.json(report)
            #expect(json["object"] == .string("usage") && json["org"] == .string("acme"))
            #expect(try await store.usage(organizationID: org.id, from: month.end, to: month.end.addingTimeInterval(86_400)).isEmpty)
        }
    }
}

extension StoreTests {
    @Test("usage is kept per model: one row per (organization, key, minute, model), summed per model and per key", arguments: Backend.allCases)
    func usagePerModel(backend: Backend) async throws {
        try await TestEnvironment.withStore(backend) { store in
            let admin = AccountsAdmin(store: store)
            let org = try await admin.createOrganization(name: "acme", tier: .free)
            let key = try await admin.createKey(organization: "acme")
            let now = Date()
            func bucket(_ model: String) -> UsageBucket { UsageBucket(organizationID: org.id, keyID: key.record.id, at: now, model: model) }
            try await store.apply(UsageBatch(counts: [bucket("minilm"): UsageCounts(requests: 2, embeddings: 5, tokens: 50, cacheHits: 1),
                                                      bucket("reranker"): UsageCounts(requests: 1, embeddings: 3, tokens: 90, cacheHits: 0),
                                                      bucket(""): UsageCounts(requests: 1)],
                                             lastUsed: [:]))
            try await store.apply(UsageBatch(counts: [bucket("minilm"): UsageCounts(requests: 1, embeddings: 1, tokens: 4, cacheHits: 1)], lastUsed: [:]))
            let month = QuotaPeriod.month(containing: now)
            let perModel = try await store.usageByModel(organizationID: org.id, from: month.start, to: month.end)
            #expect(perModel == [ModelUsage(model: "", counts: UsageCounts(requests: 1)),
                                 ModelUsage(model: "minilm", counts: UsageCounts(requests: 3, embeddings: 6, tokens: 54, cacheHits: 2)),
                                 ModelUsage(model: "reranker", counts: UsageCounts(requests: 1, embeddings: 3, tokens: 90, cacheHits: 0))])
            let perKey = try await store.usage(organizationID: org.id, from: month.start, to: month.end)
            #expect(perKey == [KeyUsage(keyID: key.record.id, counts: UsageCounts(requests: 5, embeddings: 9, tokens: 144, cacheHits: 2))])
            let report = try await admin.usage(organization: "acme")
            #expect(report.models.map(\.model) == ["", "minilm", "reranker"])
            let models = admin.json(report)["models"]
            #expect(models == .array([
                .object([("model", .null), ("requests", .int(1)), ("embeddings", .int(0)), ("tokens", .int(0)), ("cache_hits", .int(0))]),
                .object([("model", .string("minilm")), ("requests", .int(3)), ("embeddings", .int(6)), ("tokens", .int(54)), ("cache_hits", .int(2))]),
                .object([("model", .string("reranker")), ("requests", .int(1)), ("embeddings", .int(3)), ("tokens", .int(90)), ("cache_hits", .int(0))]),
            ]))
        }
    }

    @Test("applied batch markers are pruned", arguments: Backend.allCases)
    func appliedBatchMarkersArePruned(backend: Backend) async throws {
        try await TestEnvironment.withStore(backend) { store in
            let admin = AccountsAdmin(store: store)
            let org = try await admin.createOrganization(name: "acme", tier: .free)
            let key = try await admin.createKey(organization: "acme")
            let now = Date()
            let batch = UsageBatch(counts: [UsageBucket(organizationID: org.id, keyID: key.record.id, at: now): UsageCounts(requests: 1, embeddings: 1)],
                                   lastUsed: [:])
            try await store.apply(batch)
            // Markers newer than the cutoff stay, so a retry is still recognised.
            #expect(try await store.pruneAppliedBatches(before: now.addingTimeInterval(-3600)) == 0)
            try await store.apply(batch)
            #expect(try await store.totals(organizationID: org.id, month: now).requests == 1)
            // Older ones go: the marker is gone, so the same id would now apply again.
            #expect(try await store.pruneAppliedBatches(before: now.addingTimeInterval(3600)) == 1)
            #expect(try await store.pruneAppliedBatches(before: now.addingTimeInterval(3600)) == 0)
            try await store.apply(batch)
            #expect(try await store.totals(organizationID: org.id, month: now).requests == 2)
        }
    }
}

@Suite("format") struct FormatTests {
    @Test("keys have the documented shape") func keysHaveTheDocumentedShape() {
        let format = APIKeyFormat(prefix: "sk_")
        var seen = Set<String>()
        for _ in 0..<200 {
            let generated = format.generate()
            #expect(generated.key.count == 46)
            #expect(format.isWellFormed(Substring(generated.key)))
            #expect(generated.hash.count == 64 && generated.hash == APIKeyFormat.hash(generated.key))
            seen.insert(generated.key)
        }
        #expect(seen.count == 200)
        #expect(!format.isWellFormed("sk_short"))
        #expect(!format.isWellFormed("pk_" + String(repeating: "a", count: 43)))
        #expect(!format.isWellFormed("sk_" + String(repeating: "a", count: 42) + "!"))
        #expect(APIKeyFormat(prefix: "smly_").generate().key.hasPrefix("smly_"))
    }

    @Test("durations and months") func durationsAndMonths() throws {
        #expect(try DurationParser.seconds("30d") == 30 * 86_400)
        #expect(try DurationParser.seconds("1h30m") == 5400)
        #expect(try DurationParser.seconds("90s") == 90)
        #expect(throws: AccountsError.self) { try DurationParser.seconds("soon") }
        #expect(throws: AccountsError.self) { try DurationParser.seconds("10") }
        let november = try #require(QuotaPeriod.month(named: "2026-11"))
        #expect(QuotaPeriod.label(of: november.start) == "2026-11")
        #expect(november.end == QuotaPeriod.month(named: "2026-12")?.start)
        #expect(QuotaPeriod.month(named: "2026-13") == nil)
        let december = try #require(QuotaPeriod.month(named: "2026-12"))
        #expect(QuotaPeriod.label(of: december.end) == "2027-01")
    }

    @Test("month(containing:) agrees with Foundation's UTC calendar, edges and leap years included")
    func monthArithmeticMatchesCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        func expected(_ date: Date) -> QuotaPeriod.Interval {
            let start = calendar.date(from: calendar.dateComponents([.year, .month], from: date))!
            return QuotaPeriod.Interval(start: start, end: calendar.date(byAdding: .month, value: 1, to: start)!)
        }
        var dates: [Date] = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -1),
                             Date(timeIntervalSince1970: 951_782_400),        // 2000-02-29 00:00 UTC
                             Date(timeIntervalSince1970: 951_868_799.999),    // 2000-02-29 23:59:59.999
                             Date(timeIntervalSince1970: 4_107_542_400)]      // 2100-03-01 (2100 is not leap)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 { dates.append(Date(timeIntervalSince1970: Double.random(in: -2e9...5e9, using: &generator))) }
        for month in 0..<1_200 {  // every month boundary 1970-2069, and one second either side
            let start = calendar.date(byAdding: .month, value: month, to: Date(timeIntervalSince1970: 0))!
            dates += [start, start.addingTimeInterval(-1), start.addingTimeInterval(1)]
        }
        for date in dates { #expect(QuotaPeriod.month(containing: date) == expected(date), "\(date)") }
    }

    @Test("tier limits from the environment") func tierLimitsFromTheEnvironment() throws {
        var reader = EnvironmentReader(["TIER_FREE_EMBEDDINGS_PER_MONTH": "5", "TIER_SCALE_REQUESTS_PER_MINUTE": "9"])
        let limits = try TierLimits(reading: &reader)
        #expect(limits.free == .init(embeddingsPerMonth: 5, requestsPerMinute: 60))
        #expect(limits.scale == .init(embeddingsPerMonth: 2_000_000, requestsPerMinute: 9))
        #expect(limits.pro == TierLimits.defaults.pro)
        #expect(throws: ConfigurationError.self) {
            var reader = EnvironmentReader(["TIER_PRO_REQUESTS_PER_MINUTE": "0"])
            _ = try TierLimits(reading: &reader)
        }
    }

    @Test("database UR ls") func databaseURLs() throws {
        let configuration = try PostgresSettings.clientConfiguration(url: "postgres://alice:s%40cret@db.example:6543/smally?sslmode=disable",
                                                                    maxConnections: 7)
        #expect(configuration.host == "db.example" && configuration.port == 6543)
        #expect(configuration.username == "alice" && configuration.password == "s@cret" && configuration.database == "smally")
        #expect(configuration.options.maximumConnections == 7)
        #expect(throws: AccountsError.self) { try PostgresSettings.clientConfiguration(url: "mysql://x/y") }
    }
}
