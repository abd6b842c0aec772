import ArgumentParser
import Foundation
import Logging
import SmallyAccounts
import SmallyConfiguration
import SmallyJSON

/// Shared by the account commands: `--json`, settings from the environment (`DATABASE_URL`,
/// `SMALLY_DATA_DIR`, `API_KEY_PREFIX`, tier limits — the same as `smally serve`), store
/// lifecycle, and errors (a message on stderr, or `{"error": {...}}` on stdout with `--json`; exit 1).
struct AccountsOptions: ParsableArguments {
    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run(migrate: Bool = true, _ body: @escaping @Sendable (AccountsAdmin) async throws -> (json: JSONValue, text: String)) async throws {
        var reader = EnvironmentReader(ProcessInfo.processInfo.environment)
        let logSettings: LogSettings
        let settings: AccountsSettings
        do {
            logSettings = try LogSettings(reading: &reader)
            settings = try AccountsSettings(reading: &reader)
        } catch {
            StandardError.print("smally: configuration: \(error)")
            throw ExitCode(1)
        }
        var logger = LogSetup.bootstrap(logSettings)
        // The commands print their own results: only problems are logged unless LOG_LEVEL says otherwise.
        if reader.environment["LOG_LEVEL"] == nil { logger.logLevel = .warning }
        do {
            let output = try await settings.withStore(logger: logger, migrate: migrate) { store in
                try await body(AccountsAdmin(store: store, format: settings.keyFormat, tierLimits: settings.tierLimits))
            }
            print(json ? output.json.rendered() : output.text)
        } catch {
            let message = (error as? AccountsError)?.message ?? "\(error)"
            let code = (error as? AccountsError)?.code.description ?? "error"
            if json {
                print(JSONValue.object([("error", .object([("message", .string(message)), ("code", .string(code))]))]).rendered())
            } else {
                StandardError.print("smally: \(message)")
            }
            throw ExitCode(1)
        }
    }
}

func parseTier(_ text: String) throws -> Tier {
    guard let tier = Tier(rawValue: text.lowercased()) else {
        throw AccountsError(.invalidArgument, "tier must be one of: \(Tier.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return tier
}

private func date(_ value: Date?) -> String { value.map(JSONValue.format) ?? "-" }

/// Left-aligned columns for text listings.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    return all.map { row in
        row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }.joined(separator: "\n")
}

// MARK: - smally orgs

struct OrgsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orgs",
        abstract: "Manage organizations (tiers: free, pro, scale).",
        subcommands: [Create.self, List.self, SetTier.self]
    )

    static func text(_ organization: Organization, _ admin: AccountsAdmin) -> String {
        let limits = admin.tierLimits.effective(for: organization)
        return "\(organization.name) (\(organization.id)): tier \(organization.tier), \(limits.embeddingsPerMonth) embeddings a month"
            + "\(organization.monthlyQuota != nil ? " (override)" : ""), \(limits.requestsPerMinute) requests a minute per key"
            + "\(organization.requestsPerMinute != nil ? " (override)" : "")"
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an organization.")

        @Argument(help: "Unique name (A–Z a–z 0–9 . _ -).")
        var name: String
        @Option(help: "free, pro or scale.")
        var tier: String
        @Option(name: .customLong("monthly-quota"), help: "Embeddings a month, overriding the tier's.")
        var monthlyQuota: Int?
        @Option(name: .customLong("per-minute"), help: "Requests a minute per key, overriding the tier's.")
        var perMinute: Int?
        @OptionGroup var options: AccountsOptions

        func run() async throws {
            let (name, tierText, monthlyQuota, perMinute) = (self.name, self.tier, self.monthlyQuota, self.perMinute)
            try await options.run { admin in
                let tier = try parseTier(tierText)
                let organization = try await admin.createOrganization(name: name, tier: tier, monthlyQuota: monthlyQuota,
                                                                      requestsPerMinute: perMinute)
                return (admin.json(organization), "created " + OrgsCommand.text(organization, admin))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List organizations.")
        @OptionGroup var options: AccountsOptions

        func run() async throws {
            try await options.run { admin in
                let organizations = try await admin.organizations()
                let rows = organizations.map { organization -> [String] in
                    let limits = admin.tierLimits.effective(for: organization)
                    return [organization.name, organization.id, organization.tier.rawValue, String(limits.embeddingsPerMonth),
                            String(limits.requestsPerMinute), date(organization.createdAt)]
                }
                return (AccountsAdmin.list(organizations.map(admin.json)),
                        organizations.isEmpty ? "no organizations" : table(["NAME", "ID", "TIER", "MONTHLY", "PER MINUTE", "CREATED"], rows))
            }
        }
    }

    struct SetTier: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-tier", abstract: "Change an organization's tier (and overrides).")

        @Argument var name: String
        @Argument(help: "free, pro or scale.")
        var tier: String
        @Option(name: .customLong("monthly-quota"), help: "Embeddings a month, overriding the tier's (0 or more).")
        var monthlyQuota: Int?
        @Option(name: .customLong("per-minute"), help: "Requests a minute per key, overriding the tier's.")
        var perMinute: Int?
        @Flag(name: .customLong("clear-overrides"), help: "Use the tier's limits again.")
        var clearOverrides = false
        @OptionGroup var options: AccountsOptions

        func run() async throws {
            let (name, tierText) = (self.name, self.tier)
            let monthly: Int?? = clearOverrides ? .some(nil) : monthlyQuota.map { .some($0) }
            let perMinute: Int?? = clearOverrides ? .some(nil) : self.perMinute.map { .some($0) }
            try await options.run { admin in
                let tier = try parseTier(tierText)
                let organization = try await admin.setTier(organization: name, tier: tier, monthlyQuota: monthly, requestsPerMinute: perMinute)
                return (admin.json(organization), "updated " + OrgsCommand.text(organization, admin))
            }
        }
    }
}

// MARK: - smally keys

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage API keys (only a SHA-256 and a short prefix are stored; a key is shown once).",
        subcommands: [Create.self, List.self, Rotate.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it (the only time it is shown).")

        @Option(help: "Organization name.")
        var org: String
        @Option(help: "A label for the key.")
        var name: String?
        @Option(name: .customLong("expires-in"), help: "Lifetime, e.g. 30d, 12h, 90m (default: no expiry).")
        var expiresIn: String?
        @Option(help: "embed (the API only, the default) or admin (the API and the web console of its organization).")
        var role: String?
        @OptionGroup var options: AccountsOptions

        func run() async throws {
            let (org, name, expiresText, roleText) = (self.org, self.name, self.expiresIn, self.role)
            try await options.run { admin in
                let expiresIn = try expiresText.map(DurationParser.seconds)
                let role = try roleText.map(KeyRole.parse) ?? .embed
                let created = try await admin.createKey(organization: org, name: name, expiresIn: expiresIn, role: role)
                return (admin.json(created), """
                    \(created.secret)

                    \(created.record.role.rawValue) key \(created.record.id) (\(created.record.name)) for organization \(created.organization.name)\
                    \(created.record.expiresAt.map { ", expires \(date($0))" } ?? ""). Store it now: it cannot be shown again.
                    """)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @Option(help: "Only this organization's keys.")
        var org: String?
        @OptionGroup var options: AccountsOptions

        func run() async throws {
            let org = self.org
            try await options.run { admin in
                let keys = try await admin.keys(organization: org)
                let rows = keys.map { key, organization in
                    [key.id, organization.name, key.name, key.prefix + "…", key.role.rawValue, key.status(at: Date()).rawValue,
                     date(key.createdAt), date(key.lastUsedAt), date(key.expiresAt)]
                }
                return (AccountsAdmin.list(keys.map { admin.json($0.0, organization: $0.1) }),
                        keys.isEmpty ? "no keys" : table(["ID", "ORG", "NAME", "PREFIX", "ROLE", "STATUS", "CREATED", "LAST USED", "EXPIRES"], rows))
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace a key: prints a new one; the old one keeps working for the grace period.")
        @Argument(help: "Key id (key_…).")
        var id: String
        @Option(help: "How long the old key keeps working, e.g. 24h (the default), 1h, or 0 to end it at once.")
        var grace: String?
        @OptionGroup var options: AccountsOptions

        func run() async throws {
            let (id, graceText) = (self.id, self.grace)
            try await options.run { admin in
                let grace = try graceText.map { $0 == "0" ? 0 : try DurationParser.seconds($0) } ?? AccountsAdmin.defaultGracePeriod
                let rotated = try await admin.rotateKey(id: id, grace: grace)
                return (admin.json(rotated: rotated), """
                    \(rotated.created.secret)

                    new key \(rotated.created.record.id) replaces \(rotated.previous.id), which stops working at \(date(rotated.previous.expiresAt)).
                    Store the new key now: it cannot be shown again.
                    """)
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key (every node refuses it within 5 s).")
        @Argument(help: "Key id (key_…).")
        var id: String
        @OptionGroup var options: AccountsOptions

        func run() async throws {
            let id = self.id
            try await options.run { admin in
                let key = try await admin.revokeKey(id: id)
                guard let organization = try await admin.store.organization(id: key.organizationID) else {
                    throw AccountsError(.notFound, "the organization of key \(id) is gone")
                }
                return (admin.json(key, organization: organization), "revoked \(key.id) (\(key.prefix)…) of \(organization.name)")
            }
        }
    }
}

// MARK: - smally usage

struct UsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "Show usage (requests, embeddings, tokens, cache hits) of one or all organizations for a month."
    )

    @Option(help: "Organization name (default: all).")
    var org: String?
    @Option(help: "Month as YYYY-MM (default: the current month, UTC).")
    var month: String?
    @OptionGroup var options: AccountsOptions

    func run() async throws {
        let (org, month) = (self.org, self.month)
        try await options.run { admin in
            func line(_ report: AccountsAdmin.UsageReport) -> [String] {
                [report.organization.name, report.organization.tier.rawValue, String(report.totals.requests),
                 String(report.totals.embeddings), String(report.limits.embeddingsPerMonth), String(report.totals.tokens),
                 String(report.totals.cacheHits)]
            }
            let header = ["ORG", "TIER", "REQUESTS", "EMBEDDINGS", "QUOTA", "TOKENS", "CACHE HITS"]
            if let org {
                let report = try await admin.usage(organization: org, month: month)
                let keys = table(["KEY", "NAME", "REQUESTS", "EMBEDDINGS", "TOKENS", "CACHE HITS"], report.keys.map {
                    [$0.keyID, $0.key?.name ?? "-", String($0.counts.requests), String($0.counts.embeddings),
                     String($0.counts.tokens), String($0.counts.cacheHits)]
                })
                return (admin.json(report), "\(QuotaPeriod.label(of: report.month.start))\n" + table(header, [line(report)])
                        + (report.keys.isEmpty ? "" : "\n\n" + keys))
            }
            let reports = try await admin.usageOfAll(month: month)
            let label = month ?? QuotaPeriod.label(of: Date())
            return (AccountsAdmin.list(reports.map(admin.json), extra: [("month", .string(label))]),
                    "\(label)\n" + table(header, reports.map(line)))
        }
    }
}
