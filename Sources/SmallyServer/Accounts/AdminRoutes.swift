import Foundation
import Hummingbird
import SmallyAccounts
import SmallyJSON

/// The admin API, for automation; registered only when `ADMIN_TOKEN` is set and authenticated
/// with `Authorization: Bearer <ADMIN_TOKEN>`. Same operations and JSON objects as the CLI:
///
/// | method and path                     | CLI                         | body / query |
/// |-------------------------------------|-----------------------------|--------------|
/// | `GET /v1/admin/orgs`                | `orgs list`                 | |
/// | `POST /v1/admin/orgs`               | `orgs create`               | `{"name", "tier", "monthly_quota"?, "per_minute"?}` |
/// | `GET /v1/admin/orgs/{name}`         |                             | |
/// | `PATCH /v1/admin/orgs/{name}`       | `orgs set-tier`             | `{"tier"?, "monthly_quota"?, "per_minute"?}` (null clears an override) |
/// | `GET /v1/admin/keys`                | `keys list`                 | `?org=NAME` |
/// | `POST /v1/admin/keys`               | `keys create`               | `{"org", "name"?, "expires_in"?: "30d"}` |
/// | `POST /v1/admin/keys/{id}/rotate`   | `keys rotate`               | `{"grace"?: "24h"}` |
/// | `POST /v1/admin/keys/{id}/revoke`   | `keys revoke`               | |
/// | `GET /v1/admin/usage`               | `usage`                     | `?org=NAME&month=YYYY-MM` |
struct AdminRoutes {
    let runtime: AccountsRuntime

    // Bodies are read with `JSONReader` into `JSONFields`, as on the embedding routes: a field of
    // the wrong type is a 400 `invalid_type` naming it, a missing one a 400 `missing_field`.

    struct CreateOrganization {
        var name: String
        var tier: String
        var monthly_quota: Int?
        var per_minute: Int?

        init(_ fields: JSONFields) throws(APIError) {
            name = try fields.requiredString("name")
            tier = try fields.requiredString("tier")
            monthly_quota = try fields.int("monthly_quota")
            per_minute = try fields.int("per_minute")
        }
    }

    /// Absent fields stay as they are; `null` clears an override (`null` tier keeps it).
    struct UpdateOrganization {
        var tier: String?
        var monthlyQuota: Int??
        var perMinute: Int??

        init(_ fields: JSONFields) throws(APIError) {
            tier = try fields.string("tier")
            monthlyQuota = try fields.intUpdate("monthly_quota")
            perMinute = try fields.intUpdate("per_minute")
        }
    }

    struct CreateKey {
        var org: String
        var name: String?
        var expires_in: String?
        var role: String?

        init(_ fields: JSONFields) throws(APIError) {
            org = try fields.requiredString("org")
            name = try fields.string("name")
            expires_in = try fields.string("expires_in")
            role = try fields.string("role")
        }
    }

    struct Rotate {
        var grace: String?

        init(_ fields: JSONFields) throws(APIError) {
            grace = try fields.string("grace")
        }
    }

    func register(on routes: AccessRouter) {
        guard routes.serves(.adminToken) else { return }
        let group = routes.group("/v1/admin")
        let admin = runtime.admin
        let limit = 64 << 10

        group.get("/orgs") { _, _ in
            try await run { .json(AccountsAdmin.list(try await admin.organizations().map(admin.json))) }
        }
        group.post("/orgs") { request, _ in
            let body = try await CreateOrganization(JSONBody.fields(from: request, limit: limit))
            return try await run {
                let organization = try await admin.createOrganization(name: body.name, tier: try Self.tier(body.tier),
                                                                      monthlyQuota: body.monthly_quota, requestsPerMinute: body.per_minute)
                return .json(admin.json(organization), status: .created)
            }
        }
        group.get("/orgs/:name") { _, context in
            let name = try context.parameters.require("name")
            return try await run { .json(admin.json(try await admin.store.requireOrganization(named: name))) }
        }
        group.patch("/orgs/:name") { request, context in
            let name = try context.parameters.require("name")
            let body = try await UpdateOrganization(JSONBody.fields(from: request, limit: limit))
            return try await run {
                // One store transaction: absent fields keep the stored values, null clears an override.
                .json(admin.json(try await admin.updateOrganization(named: name, tier: try body.tier.map(Self.tier),
                                                                   monthlyQuota: body.monthlyQuota, requestsPerMinute: body.perMinute)))
            }
        }
        group.get("/keys") { request, _ in
            let org = request.uri.queryParameters.get("org")
            return try await run {
                .json(AccountsAdmin.list(try await admin.keys(organization: org).map { admin.json($0.0, organization: $0.1) }))
            }
        }
        group.post("/keys") { request, _ in
            let body = try await CreateKey(JSONBody.fields(from: request, limit: limit))
            return try await run {
                let expiresIn = try body.expires_in.map(DurationParser.seconds)
                let role = try body.role.map(KeyRole.parse) ?? .embed
                let created = try await admin.createKey(organization: body.org, name: body.name, expiresIn: expiresIn, role: role)
                return .json(admin.json(created), status: .created)
            }
        }
        group.post("/keys/:id/rotate") { request, context in
            let id = try context.parameters.require("id")
            var grace = AccountsAdmin.defaultGracePeriod
            var request = request
            let bytes = try await request.collectBody(upTo: limit)
            if bytes.readableBytes > 0 {
                let body = try await Rotate(JSONBody.fields(from: request, limit: limit))
                if let text = body.grace {
                    grace = text == "0" ? 0 : try run(sync: { try DurationParser.seconds(text) })
                }
            }
            let chosenGrace = grace
            return try await run { .json(admin.json(rotated: try await admin.rotateKey(id: id, grace: chosenGrace))) }
        }
        group.post("/keys/:id/revoke") { _, context in
            let id = try context.parameters.require("id")
            return try await run { try await revoke(id) }
        }
        group.delete("/keys/:id") { _, context in
            let id = try context.parameters.require("id")
            return try await run { try await revoke(id) }
        }
        group.get("/usage") { request, _ in
            let org = request.uri.queryParameters.get("org")
            let month = request.uri.queryParameters.get("month")
            return try await run {
                if let org {
                    return .json(admin.json(try await admin.usage(organization: org, month: month)))
                }
                return .json(AccountsAdmin.list(try await admin.usageOfAll(month: month).map(admin.json)))
            }
        }

        @Sendable func revoke(_ id: String) async throws -> Response {
            let key = try await admin.revokeKey(id: id)
            guard let organization = try await admin.store.organization(id: key.organizationID) else {
                throw AccountsError(.notFound, "the organization of key \(id) is gone")
            }
            return .json(admin.json(key, organization: organization))
        }
    }

    static func tier(_ text: String) throws -> Tier {
        guard let tier = Tier(rawValue: text.lowercased()) else {
            throw AccountsError(.invalidArgument, "tier must be one of \(Tier.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return tier
    }

    /// Maps accounts errors to the API's error shape; store failures become a generic 503.
    private func run(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as AccountsError {
            throw APIError.from(error)
        } catch let error as APIError {
            throw error
        } catch {
            runtime.logger.warning("admin request failed", metadata: ["error": "\(error)"])
            throw APIError.unavailable("The account store is not reachable; retry shortly.")
        }
    }

    private func run<T>(sync body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as AccountsError {
            throw APIError.from(error)
        }
    }
}
