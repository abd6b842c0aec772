import Foundation
import SmallyJSON

/// The account operations behind the CLI (`smally orgs …`, `keys …`, `usage`) and the admin
/// HTTP API (`/v1/admin/…`). Both print the JSON objects built here, so the two stay alike.
public struct AccountsAdmin: Sendable {
    public let store: any AccountStore
    public let format: APIKeyFormat
    public let tierLimits: TierLimits
    /// Called after any change to a key or an organization (drops this node's key cache).
    public var onChange: @Sendable () -> Void
    /// This node's usage recorder, when given (the server's): reports add the usage it has not
    /// written yet, read consistently with the store.
    public var usageRecorder: UsageRecorder?
    public var now: @Sendable () -> Date
    /// How long a usage report may read the store (default 5 s); past it the report fails with
    /// `.storageUnavailable`. The read holds the usage recorder's commit lock (see
    /// ``usage(of:month:)``), so an unbounded read on a slow store would stop usage writes too.
    public var usageReadTimeout: Duration

    public init(store: any AccountStore, format: APIKeyFormat = APIKeyFormat(), tierLimits: TierLimits = .defaults,
                onChange: @escaping @Sendable () -> Void = {},
                usageRecorder: UsageRecorder? = nil,
                usageReadTimeout: Duration = .seconds(5),
                now: @escaping @Sendable () -> Date = { Timestamps.now() }) {
        self.usageReadTimeout = usageReadTimeout
        self.store = store
        self.format = format
        self.tierLimits = tierLimits
        self.onChange = onChange
        self.usageRecorder = usageRecorder
        self.now = now
    }

    public static let defaultGracePeriod: TimeInterval = 86_400

    // MARK: Organizations

    public func createOrganization(name: String, tier: Tier, monthlyQuota: Int? = nil, requestsPerMinute: Int? = nil) async throws -> Organization {
        try Organization.validate(name: name)
        try Self.validate(monthlyQuota: monthlyQuota, requestsPerMinute: requestsPerMinute)
        let organization = Organization(name: name, tier: tier, monthlyQuota: monthlyQuota, requestsPerMinute: requestsPerMinute,
                                        createdAt: Timestamps.truncate(now()))
        try await store.insertOrganization(organization)
        return organization
    }

    public func organizations() async throws -> [Organization] {
        try await store.organizations()
    }

    /// Changes an organization's tier and, when given, its overrides (`.some(nil)` clears one).
    /// Atomic (see ``updateOrganization(named:tier:monthlyQuota:requestsPerMinute:)``).
    public func setTier(organization name: String, tier: Tier, monthlyQuota: Int?? = nil, requestsPerMinute: Int?? = nil) async throws -> Organization {
        try await updateOrganization(named: name, tier: tier, monthlyQuota: monthlyQuota, requestsPerMinute: requestsPerMinute)
    }

    /// Edits an organization in one store transaction (read, change, write with the row locked),
    /// so concurrent edits of different fields do not undo each other. For each field: `nil`
    /// keeps it; for the overrides `.some(nil)` clears it and `.some(value)` sets it (the admin
    /// API's absent / `null` / number). Validated against the organization as stored.
    public func updateOrganization(named name: String, tier: Tier? = nil, monthlyQuota: Int?? = nil,
                                   requestsPerMinute: Int?? = nil) async throws -> Organization {
        let organization = try await store.updateOrganization(named: name) { organization in
            if let tier { organization.tier = tier }
            if let monthlyQuota { organization.monthlyQuota = monthlyQuota }
            if let requestsPerMinute { organization.requestsPerMinute = requestsPerMinute }
            try Self.validate(monthlyQuota: organization.monthlyQuota, requestsPerMinute: organization.requestsPerMinute)
        }
        onChange()
        return organization
    }

    /// Largest monthly quota accepted: 10^12 embeddings, far above any tier, far below overflow.
    public static let maximumMonthlyQuota = 1_000_000_000_000
    /// Largest per-minute limit accepted.
    public static let maximumRequestsPerMinute = 10_000_000

    static func validate(monthlyQuota: Int?, requestsPerMinute: Int?) throws {
        if let monthlyQuota, !(0...maximumMonthlyQuota).contains(monthlyQuota) {
            throw AccountsError(.invalidArgument, "monthly_quota must be between 0 and \(maximumMonthlyQuota)")
        }
        if let requestsPerMinute, !(1...maximumRequestsPerMinute).contains(requestsPerMinute) {
            throw AccountsError(.invalidArgument, "per_minute must be between 1 and \(maximumRequestsPerMinute)")
        }
    }

    /// Longest key name, in characters (and at most 4 UTF-8 bytes per character).
    public static let maximumKeyNameLength = 100

    /// Key names are shown in listings, logs and terminals: 1–100 characters, no control
    /// characters (U+0000–U+001F, U+007F–U+009F), which could forge log lines or terminal output.
    public static func validate(keyName name: String) throws {
        guard (1...maximumKeyNameLength).contains(name.count), name.utf8.count <= 4 * maximumKeyNameLength else {
            throw AccountsError(.invalidArgument, "name: key names are 1–\(maximumKeyNameLength) characters")
        }
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else {
            throw AccountsError(.invalidArgument, "name: key names may not contain control characters (U+0000–U+001F, U+007F–U+009F)")
        }
    }

    // MARK: Keys

    /// A new key: the only time its secret exists outside the caller's hands.
    public struct CreatedKey: Sendable {
        public var secret: String
        public var record: APIKeyRecord
        public var organization: Organization
    }

    /// - Parameter expiresIn: seconds from now, 1 s to ``DurationParser/maximumSeconds``.
    /// - Parameter role: `embed` (the API only, the default) or `admin` (the console too).
    public func createKey(organization name: String, name keyName: String? = nil, expiresIn: TimeInterval? = nil,
                          role: KeyRole = .embed) async throws -> CreatedKey {
        if let expiresIn { try DurationParser.validate(expiresIn, field: "expires_in", minimum: 1) }
        try Self.validate(keyName: keyName ?? "default")
        let organization = try await store.requireOrganization(named: name)
        return try await createKey(in: organization, name: keyName ?? "default",
                                   expiresAt: expiresIn.map { Timestamps.truncate(now().addingTimeInterval($0)) }, role: role)
    }

    /// `name` is validated by the callers that take it from outside (rotation reuses a stored name).
    func createKey(in organization: Organization, name: String, expiresAt: Date?, role: KeyRole) async throws -> CreatedKey {
        let generated = format.generate()
        let record = APIKeyRecord(organizationID: organization.id, name: name, prefix: generated.prefix, hash: generated.hash,
                                  createdAt: Timestamps.truncate(now()), expiresAt: expiresAt, role: role)
        try await store.insertKey(record)
        return CreatedKey(secret: generated.key, record: record, organization: organization)
    }

    public func keys(organization name: String? = nil) async throws -> [(APIKeyRecord, Organization)] {
        let organizations = try await store.organizations()
        let byID = Dictionary(uniqueKeysWithValues: organizations.map { ($0.id, $0) })
        var organizationID: String?
        if let name { organizationID = try await store.requireOrganization(named: name).id }
        return try await store.keys(organizationID: organizationID).compactMap { key in
            byID[key.organizationID].map { (key, $0) }
        }
    }

    /// A new key with the same organization, name and expiry; the old key keeps working for
    /// `grace` seconds (default 24 h; 0 ends it at once).
    public func rotateKey(id: String, grace: TimeInterval = AccountsAdmin.defaultGracePeriod) async throws -> (created: CreatedKey, previous: APIKeyRecord) {
        try DurationParser.validate(grace, field: "grace", minimum: 0)
        var old = try await store.requireKey(id: id)
        let current = now()
        guard old.isUsable(at: current) else {
            throw AccountsError(.invalidArgument, "key \(id) is \(old.status(at: current).rawValue); create a new key instead")
        }
        guard let organization = try await store.organization(id: old.organizationID) else {
            throw AccountsError(.notFound, "the organization of key \(id) is gone")
        }
        let created = try await createKey(in: organization, name: old.name, expiresAt: old.expiresAt, role: old.role)
        let end = Timestamps.truncate(current.addingTimeInterval(grace))
        old.expiresAt = min(old.expiresAt ?? end, end)
        try await store.updateKey(old)
        onChange()
        return (created, old)
    }

    public func revokeKey(id: String) async throws -> APIKeyRecord {
        var key = try await store.requireKey(id: id)
        if key.revokedAt == nil {
            key.revokedAt = Timestamps.truncate(now())
            try await store.updateKey(key)
        }
        onChange()
        return key
    }

    // MARK: Usage

    public struct UsageReport: Sendable {
        public var organization: Organization
        public var month: QuotaPeriod.Interval
        public var limits: TierLimits.Limits
        public var totals: UsageCounts
        public var keys: [(key: APIKeyRecord?, keyID: String, counts: UsageCounts)]
        /// Per served model, by name ('' = recorded before models were recorded).
        public var models: [ModelUsage]
    }

    /// Usage of one organization in a month (`YYYY-MM`, default: the current one).
    public func usage(organization name: String, month label: String? = nil) async throws -> UsageReport {
        let organization = try await store.requireOrganization(named: name)
        return try await usage(of: organization, month: try month(label))
    }

    public func usage(of organization: Organization, month: QuotaPeriod.Interval) async throws -> UsageReport {
        let store = self.store
        let timeout = usageReadTimeout
        typealias Totals = (perKey: [String: UsageCounts], perModel: [String: UsageCounts])
        @Sendable func read() async throws -> Totals {
            // Bounded: with a recorder, this runs holding its commit lock.
            let (keyRows, modelRows) = try await withDeadline(timeout) {
                (try await store.usage(organizationID: organization.id, from: month.start, to: month.end),
                 try await store.usageByModel(organizationID: organization.id, from: month.start, to: month.end))
            }
            var totals: Totals = ([:], [:])
            for row in keyRows { totals.perKey[row.keyID, default: .zero] += row.counts }
            for row in modelRows { totals.perModel[row.model, default: .zero] += row.counts }
            return totals
        }
        let totals: Totals
        if let usageRecorder {
            // Store and buffer read with no commit in between: every event counted exactly once.
            totals = try await usageRecorder.withCommitsPaused {
                var totals = try await read()
                for (keyID, counts) in usageRecorder.unwritten(organizationID: organization.id, from: month.start, to: month.end) {
                    totals.perKey[keyID, default: .zero] += counts
                }
                for (model, counts) in usageRecorder.unwrittenByModel(organizationID: organization.id, from: month.start, to: month.end) {
                    totals.perModel[model, default: .zero] += counts
                }
                return totals
            }
        } else {
            totals = try await read()
        }
        let perKey = totals.perKey
        let keys = Dictionary(uniqueKeysWithValues: try await store.keys(organizationID: organization.id).map { ($0.id, $0) })
        let rows = perKey.sorted { $0.key < $1.key }.map { (key: keys[$0.key], keyID: $0.key, counts: $0.value) }
        return UsageReport(organization: organization, month: month, limits: tierLimits.effective(for: organization),
                           totals: perKey.values.reduce(.zero, +), keys: rows,
                           models: totals.perModel.sorted { $0.key < $1.key }.map { ModelUsage(model: $0.key, counts: $0.value) })
    }

    public func usageOfAll(month label: String? = nil) async throws -> [UsageReport] {
        let interval = try month(label)
        var reports: [UsageReport] = []
        for organization in try await store.organizations() {
            reports.append(try await usage(of: organization, month: interval))
        }
        return reports
    }

    func month(_ label: String?) throws -> QuotaPeriod.Interval {
        guard let label else { return QuotaPeriod.month(containing: now()) }
        guard let interval = QuotaPeriod.month(named: label) else {
            throw AccountsError(.invalidArgument, "months are written YYYY-MM, e.g. 2026-11")
        }
        return interval
    }
}

// MARK: - JSON shapes (shared by the CLI's --json and the admin API)

extension AccountsAdmin {
    public func json(_ organization: Organization) -> JSONValue {
        let limits = tierLimits.effective(for: organization)
        return .object([
            ("object", .string("organization")),
            ("id", .string(organization.id)),
            ("name", .string(organization.name)),
            ("tier", .string(organization.tier.rawValue)),
            ("monthly_quota", .int(limits.embeddingsPerMonth)),
            ("requests_per_minute", .int(limits.requestsPerMinute)),
            ("monthly_quota_override", .int(organization.monthlyQuota)),
            ("requests_per_minute_override", .int(organization.requestsPerMinute)),
            ("created_at", .date(organization.createdAt)),
        ])
    }

    /// A key as listed: never its secret or hash.
    public func json(_ key: APIKeyRecord, organization: Organization) -> JSONValue {
        .object(keyMembers(key, organization: organization))
    }

    private func keyMembers(_ key: APIKeyRecord, organization: Organization) -> [(String, JSONValue)] {
        [
            ("object", .string("api_key")),
            ("id", .string(key.id)),
            ("org", .string(organization.name)),
            ("organization_id", .string(organization.id)),
            ("name", .string(key.name)),
            ("prefix", .string(key.prefix)),
            ("role", .string(key.role.rawValue)),
            ("status", .string(key.status(at: now()).rawValue)),
            ("created_at", .date(key.createdAt)),
            ("last_used_at", .date(key.lastUsedAt)),
            ("expires_at", .date(key.expiresAt)),
            ("revoked_at", .date(key.revokedAt)),
        ]
    }

    /// `{"id", "key", "org", "prefix", …}`: the created key with its secret (shown once).
    public func json(_ created: CreatedKey) -> JSONValue {
        .object(createdMembers(created))
    }

    public func json(rotated: (created: CreatedKey, previous: APIKeyRecord)) -> JSONValue {
        .object(createdMembers(rotated.created)
                + [("replaces", json(rotated.previous, organization: rotated.created.organization))])
    }

    private func createdMembers(_ created: CreatedKey) -> [(String, JSONValue)] {
        var members = keyMembers(created.record, organization: created.organization)
        members.insert(("key", .string(created.secret)), at: 2)
        return members
    }

    public func json(_ report: UsageReport) -> JSONValue {
        func counts(_ counts: UsageCounts) -> [(String, JSONValue)] {
            [("requests", .int(counts.requests)), ("embeddings", .int(counts.embeddings)),
             ("tokens", .int(counts.tokens)), ("cache_hits", .int(counts.cacheHits))]
        }
        return .object([
            ("object", .string("usage")),
            ("org", .string(report.organization.name)),
            ("organization_id", .string(report.organization.id)),
            ("tier", .string(report.organization.tier.rawValue)),
            ("month", .string(QuotaPeriod.label(of: report.month.start))),
            ("period_start", .date(report.month.start)),
            ("period_end", .date(report.month.end)),
            ("quota", .object([
                ("limit", .int(report.limits.embeddingsPerMonth)),
                ("used", .int(report.totals.embeddings)),
                ("remaining", .int(max(0, report.limits.embeddingsPerMonth - report.totals.embeddings))),
                ("requests_per_minute", .int(report.limits.requestsPerMinute)),
            ])),
            ("totals", .object(counts(report.totals))),
            ("keys", .array(report.keys.map { row in
                .object([("id", .string(row.keyID)), ("name", .string(row.key?.name)), ("prefix", .string(row.key?.prefix))]
                        + counts(row.counts))
            })),
            // Requests that embedded nothing (refused before inference) have no model: `null`.
            ("models", .array(report.models.map { row in
                .object([("model", row.model.isEmpty ? .null : .string(row.model))] + counts(row.counts))
            })),
        ])
    }

    public static func list(_ items: [JSONValue], extra: [(String, JSONValue)] = []) -> JSONValue {
        .object([("object", .string("list"))] + extra + [("data", .array(items))])
    }
}
