import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SmallyAccounts

/// The web console: HTML pages under `/console` for an organization's admins (signed in with an
/// `admin` key: their organization's usage and keys) and for the operator (signed in with
/// `ADMIN_TOKEN`: every organization, tiers and limits).
///
/// Access: the sign-in form, the stylesheet and the script are open routes; every other page is
/// behind ``ConsoleSessionMiddleware``, and each page that names an organization checks that
/// the session may see it (another organization's pages, and keys of another organization, answer
/// 404 as if they did not exist). Every form posts a CSRF token: the session's for signed-in
/// forms, a double-submit cookie's for the sign-in form. Failed sign-ins are counted in the
/// per-address ``AuthFailureThrottle`` shared with the API; the credential is read from the form
/// body only and is never echoed or logged.
struct ConsoleRoutes: Sendable {
    let runtime: AccountsRuntime
    let sessions: ConsoleSessions
    let views: ConsoleViews
    let cookies: ConsoleCookies
    /// Whether `ADMIN_TOKEN` signs in here (only where the admin API itself is served).
    let operatorSignIn: Bool

    var admin: AccountsAdmin { runtime.admin }

    func register(on routes: AccessRouter) {
        guard routes.serves(.consoleSession) else { return }
        routes.get("/console/style.css") { _, _ in ConsoleViews.asset(ConsoleAssets.stylesheet, type: "text/css; charset=utf-8") }
        routes.get("/console/console.js") { _, _ in ConsoleViews.asset(ConsoleAssets.script, type: "text/javascript; charset=utf-8") }
        routes.get("/console/sign-in") { request, _ in signInPage(request, error: nil, status: .ok) }
        routes.post("/console/sign-in") { request, context in try await signIn(request, context) }
        routes.get("/console") { _, context in
            let signedIn = try signedIn(context)
            return ConsoleViews.redirect(signedIn.organization.map { "/console/orgs/\($0.name)" } ?? "/console/orgs")
        }
        routes.post("/console/sign-out") { request, context in try await signOut(request, context) }
        routes.get("/console/orgs") { request, context in try await organizations(request, context) }
        routes.get("/console/orgs/:org") { _, context in try await overview(context) }
        routes.post("/console/orgs/:org/limits") { request, context in try await setLimits(request, context) }
        routes.get("/console/orgs/:org/keys") { _, context in try await keysPage(context) }
        routes.post("/console/orgs/:org/keys") { request, context in try await createKey(request, context) }
        routes.post("/console/orgs/:org/keys/:id/rotate") { request, context in try await rotateKey(request, context) }
        routes.get("/console/orgs/:org/keys/:id/revoke") { _, context in try await confirmRevoke(context) }
        routes.post("/console/orgs/:org/keys/:id/revoke") { request, context in try await revokeKey(request, context) }
    }

    // MARK: Sign-in and sign-out

    private func signInPage(_ request: Request, error: String?, status: HTTPResponse.Status) -> Response {
        // The form's token is also a cookie (double submit): a form posted from elsewhere lacks it.
        var token = ConsoleCookies.value(ConsoleCookies.signIn, in: request) ?? ""
        var headers = HTTPFields()
        if !ConsoleSessions.isWellFormedToken(token) {
            token = ConsoleSessions.randomToken()
            headers[.setCookie] = cookies.header(ConsoleCookies.signIn, token, maxAge: 3_600, request: request)
        }
        var values: [String: Any] = ["csrf": token]
        if let error { values["error"] = error }
        return views.page("sign-in", title: "Sign in", values: values, signedIn: nil, status: status, extraHeaders: headers)
    }

    private func signIn(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let throttle = runtime.failureThrottle
        let address = context.clientAddress
        if throttle.isTracking, let seconds = throttle.retryAfter(address) {
            runtime.securityMetrics.throttled(.consoleSession)
            var response = signInPage(request, error: "Too many failed sign-ins from your address; try again in \(seconds) seconds.",
                                      status: .tooManyRequests)
            response.headers[.retryAfter] = String(seconds)
            return response
        }
        let form = try await FormBody.read(request)
        guard let expected = ConsoleCookies.value(ConsoleCookies.signIn, in: request), let presented = form["csrf"],
              ConsoleSessions.secretsMatch(presented, expected) else {
            return signInPage(request, error: "The sign-in form had expired; please try again.", status: .forbidden)
        }
        let credential = form["credential"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        var started: (id: String, signedIn: ConsoleSignedIn)?
        var reason = "empty"
        if !credential.isEmpty {
            if operatorSignIn, let token = runtime.adminToken, ConsoleSessions.secretsMatch(credential, token) {
                started = try await sessions.signInOperator()
            } else {
                switch try await sessions.signIn(key: credential) {
                case .success(let session): started = session
                case .failure(let refusal): reason = refusal.reason.rawValue
                }
            }
        }
        guard let started else {
            let blocked = throttle.recordFailure(address)
            context.logger.info("console sign-in refused", metadata: ["reason": "\(reason)", "client": "\(address)"])
            if blocked { context.logger.warning("client address throttled after repeated failed console sign-ins", metadata: ["client": "\(address)"]) }
            return signInPage(request, error: "That credential was not accepted. Use an admin key of your organization (role admin) or the operator's token.",
                              status: .unauthorized)
        }
        // Whatever session id the browser brought is ended: the signed-in session always has a new one.
        if let old = ConsoleCookies.value(ConsoleCookies.session, in: request) { try await sessions.signOut(id: old) }
        context.logger.info("console sign-in", metadata: [
            "who": "\(started.signedIn.isOperator ? "operator" : "key")", "key_id": "\(started.signedIn.key?.id ?? "-")", "client": "\(address)",
        ])
        var headers = HTTPFields()
        headers.append(HTTPField(name: .setCookie, value: cookies.header(ConsoleCookies.session, started.id,
                                                                         maxAge: Int(sessions.settings.lifetime), request: request)))
        headers.append(HTTPField(name: .setCookie, value: cookies.header(ConsoleCookies.signIn, "", maxAge: 0, request: request)))
        return ConsoleViews.redirect("/console", extraHeaders: headers)
    }

    private func signOut(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let signedIn = try signedIn(context)
        if let refused = try await checkCSRF(request, signedIn).refusal { return refused }
        if let id = context.consoleSessionID { try await sessions.signOut(id: id) }
        var headers = HTTPFields()
        headers[.setCookie] = cookies.header(ConsoleCookies.session, "", maxAge: 0, request: request)
        return ConsoleViews.redirect("/console/sign-in", extraHeaders: headers)
    }

    // MARK: Pages

    private func organizations(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let signedIn = try signedIn(context)
        guard signedIn.isOperator else {
            return ConsoleViews.redirect("/console/orgs/\(signedIn.organization?.name ?? "")")
        }
        let reports = try await admin.usageOfAll()
        let sort = OrganizationSort(key: request.uri.queryParameters.get("sort"), order: request.uri.queryParameters.get("order"))
        let month = reports.first.map { QuotaPeriod.label(of: $0.month.start) } ?? QuotaPeriod.label(of: admin.now())
        return views.page("orgs", title: "Organizations", values: [
            "count": reports.count, "month": month, "columns": sort.columns, "rows": sort.sorted(reports).map(Self.organizationRow),
        ], signedIn: signedIn, current: "orgs")
    }

    static func organizationRow(_ report: AccountsAdmin.UsageReport) -> [String: Any] {
        [
            "name": report.organization.name, "tier": report.organization.tier.rawValue,
            "used": ConsoleFormat.number(report.totals.embeddings), "quota": ConsoleFormat.number(report.limits.embeddingsPerMonth),
            "percent": ConsoleFormat.percent(report.totals.embeddings, of: report.limits.embeddingsPerMonth),
            "requests": ConsoleFormat.number(report.totals.requests), "perMinute": ConsoleFormat.number(report.limits.requestsPerMinute),
        ]
    }

    private func overview(_ context: AppRequestContext) async throws -> Response {
        let signedIn = try signedIn(context)
        guard let organization = try await organization(context, signedIn) else { return notFound(signedIn) }
        let overview = try await ConsoleOverview.load(organization, admin: admin)
        let totals = overview.totals
        let used = totals.embeddings, quota = overview.limits.embeddingsPerMonth
        let values: [String: Any] = [
            "org": organization.name, "tier": organization.tier.rawValue, "month": QuotaPeriod.label(of: overview.month.start),
            "used": ConsoleFormat.number(used), "quota": ConsoleFormat.number(quota), "percent": ConsoleFormat.percent(used, of: quota),
            "over": quota > 0 && used >= quota, "remaining": ConsoleFormat.number(max(0, quota - used)),
            "quotaBar": UsageChart.quota(used: used, limit: quota),
            "requests": ConsoleFormat.number(totals.requests), "tokens": ConsoleFormat.number(totals.tokens),
            "hitRate": ConsoleFormat.percent(totals.cacheHits, of: totals.embeddings),
            "perMinute": ConsoleFormat.number(overview.limits.requestsPerMinute),
            "chart": UsageChart.daily(overview.days), "dayCount": overview.days.count,
            "days": overview.days.reversed().map { day -> [String: Any] in
                ["day": ConsoleFormat.day(day.day), "embeddings": ConsoleFormat.number(day.counts.embeddings),
                 "requests": ConsoleFormat.number(day.counts.requests), "tokens": ConsoleFormat.number(day.counts.tokens)]
            },
            "operator": signedIn.isOperator,
            "tiers": Tier.allCases.map { ["name": $0.rawValue, "selected": $0 == organization.tier] as [String: Any] },
            "quotaOverride": organization.monthlyQuota.map(String.init) ?? "",
            "perMinuteOverride": organization.requestsPerMinute.map(String.init) ?? "",
        ]
        return views.page("overview", title: "\(organization.name): overview", values: values, signedIn: signedIn, current: "overview",
                          organization: organization.name)
    }

    private func setLimits(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let signedIn = try signedIn(context)
        let csrf = try await checkCSRF(request, signedIn)
        if let refused = csrf.refusal { return refused }
        guard signedIn.isOperator, let organization = try await organization(context, signedIn) else { return notFound(signedIn) }
        let form = csrf.form
        do {
            let tier = try form.trimmed("tier").map(AdminRoutes.tier)
            let quota = try Self.override(form, "monthly_quota")
            let perMinute = try Self.override(form, "per_minute")
            _ = try await admin.updateOrganization(named: organization.name, tier: tier, monthlyQuota: .some(quota),
                                                   requestsPerMinute: .some(perMinute))
        } catch let error as AccountsError {
            return views.message("Limits not changed", error.message, status: .badRequest, signedIn: signedIn,
                                 back: "/console/orgs/\(organization.name)", backLabel: "Back to \(organization.name)")
        }
        return ConsoleViews.redirect("/console/orgs/\(organization.name)")
    }

    /// An override field: empty clears it, digits set it.
    static func override(_ form: FormBody, _ name: String) throws -> Int? {
        guard let text = form.trimmed(name) else { return nil }
        guard let value = Int(text) else { throw AccountsError(.invalidArgument, "\(name) must be a whole number or empty") }
        return value
    }

    // MARK: Keys

    private func keysPage(_ context: AppRequestContext) async throws -> Response {
        let signedIn = try signedIn(context)
        guard let organization = try await organization(context, signedIn) else { return notFound(signedIn) }
        return try await renderKeys(organization, signedIn: signedIn)
    }

    struct Created {
        var verb: String
        var created: AccountsAdmin.CreatedKey
        var replaces: Date?
    }

    private func renderKeys(_ organization: Organization, signedIn: ConsoleSignedIn, created: Created? = nil, message: String? = nil,
                            error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let report = try await admin.usage(of: organization, month: QuotaPeriod.month(containing: admin.now()))
        let usage = Dictionary(uniqueKeysWithValues: report.keys.map { ($0.keyID, $0.counts) })
        let now = admin.now()
        let keys = try await admin.store.keys(organizationID: organization.id).reversed().map { key -> [String: Any] in
            let counts = usage[key.id] ?? .zero
            return ["id": key.id, "name": key.name, "role": key.role.rawValue, "prefix": key.prefix, "status": key.status(at: now).rawValue,
                    "created": ConsoleFormat.time(key.createdAt), "lastUsed": ConsoleFormat.time(key.lastUsedAt),
                    "expires": key.expiresAt.map { ConsoleFormat.time($0) } ?? "never", "active": key.isUsable(at: now),
                    "embeddings": ConsoleFormat.number(counts.embeddings), "requests": ConsoleFormat.number(counts.requests),
                    "org": organization.name]
        }
        var values: [String: Any] = ["org": organization.name, "keys": keys, "keyCount": keys.count,
                                     "month": QuotaPeriod.label(of: report.month.start)]
        if let created {
            var shown: [String: Any] = ["verb": created.verb, "name": created.created.record.name, "role": created.created.record.role.rawValue,
                                        "secret": created.created.secret]
            if let replaces = created.replaces { shown["replaces"] = ConsoleFormat.time(replaces) }
            values["created"] = shown
        }
        if let message { values["message"] = message }
        if let error { values["error"] = error }
        return views.page("keys", title: "\(organization.name): keys", values: values, signedIn: signedIn, current: "keys",
                          organization: organization.name, status: status)
    }

    private func createKey(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let signedIn = try signedIn(context)
        let csrf = try await checkCSRF(request, signedIn)
        if let refused = csrf.refusal { return refused }
        guard let organization = try await organization(context, signedIn) else { return notFound(signedIn) }
        let form = csrf.form
        do {
            let role = try KeyRole.parse(form.trimmed("role") ?? "embed")
            let expiresIn = try form.trimmed("expires_in").map(DurationParser.seconds)
            guard let name = form.trimmed("name") else { throw AccountsError(.invalidArgument, "Give the key a name.") }
            let created = try await admin.createKey(organization: organization.name, name: name, expiresIn: expiresIn, role: role)
            context.logger.info("console created a key", metadata: ["key_id": "\(created.record.id)", "role": "\(role.rawValue)",
                                                                    "by": "\(signedIn.key?.id ?? "operator")"])
            return try await renderKeys(organization, signedIn: signedIn, created: Created(verb: "New", created: created, replaces: nil))
        } catch let error as AccountsError {
            return try await renderKeys(organization, signedIn: signedIn, error: error.message, status: .badRequest)
        }
    }

    /// The key named in the path, if it belongs to the organization in the path (else nil: 404).
    private func pathKey(_ context: AppRequestContext, _ organization: Organization) async throws -> APIKeyRecord? {
        guard let id = context.parameters.get("id"), let key = try await admin.store.key(id: id), key.organizationID == organization.id else {
            return nil
        }
        return key
    }

    private func rotateKey(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let signedIn = try signedIn(context)
        if let refused = try await checkCSRF(request, signedIn).refusal { return refused }
        guard let organization = try await organization(context, signedIn), let key = try await pathKey(context, organization) else {
            return notFound(signedIn)
        }
        do {
            let rotated = try await admin.rotateKey(id: key.id)
            context.logger.info("console rotated a key", metadata: ["key_id": "\(key.id)", "new_key_id": "\(rotated.created.record.id)"])
            return try await renderKeys(organization, signedIn: signedIn,
                                        created: Created(verb: "Rotated", created: rotated.created, replaces: rotated.previous.expiresAt))
        } catch let error as AccountsError {
            return try await renderKeys(organization, signedIn: signedIn, error: error.message, status: .badRequest)
        }
    }

    private func confirmRevoke(_ context: AppRequestContext) async throws -> Response {
        let signedIn = try signedIn(context)
        guard let organization = try await organization(context, signedIn), let key = try await pathKey(context, organization) else {
            return notFound(signedIn)
        }
        return views.page("revoke", title: "Revoke \(key.name)?", values: [
            "org": organization.name, "id": key.id, "name": key.name, "prefix": key.prefix, "role": key.role.rawValue,
        ], signedIn: signedIn, current: "keys", organization: organization.name)
    }

    private func revokeKey(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let signedIn = try signedIn(context)
        if let refused = try await checkCSRF(request, signedIn).refusal { return refused }
        guard let organization = try await organization(context, signedIn), let key = try await pathKey(context, organization) else {
            return notFound(signedIn)
        }
        _ = try await admin.revokeKey(id: key.id)
        context.logger.info("console revoked a key", metadata: ["key_id": "\(key.id)", "by": "\(signedIn.key?.id ?? "operator")"])
        if key.id == signedIn.key?.id {
            // The session's own key: the session ends with it.
            return ConsoleViews.redirect("/console/sign-in")
        }
        return try await renderKeys(organization, signedIn: signedIn, message: "Key “\(key.name)” (\(key.prefix)…) is revoked.")
    }

    // MARK: Checks

    private func signedIn(_ context: AppRequestContext) throws -> ConsoleSignedIn {
        // Set by the session middleware in front of every one of these routes.
        guard let signedIn = context.console else { throw APIError.internal }
        return signedIn
    }

    /// The organization named in the path, if this session may see it.
    private func organization(_ context: AppRequestContext, _ signedIn: ConsoleSignedIn) async throws -> Organization? {
        guard let name = context.parameters.get("org"), let organization = try await admin.store.organization(named: name),
              signedIn.mayAccess(organization) else { return nil }
        return organization
    }

    private func notFound(_ signedIn: ConsoleSignedIn) -> Response {
        views.message("Not found", "There is no such page, or it is not yours to see.", status: .notFound, signedIn: signedIn)
    }

    /// Reads the form and checks its CSRF token against the session's.
    private func checkCSRF(_ request: Request, _ signedIn: ConsoleSignedIn) async throws -> (form: FormBody, refusal: Response?) {
        let form = try await FormBody.read(request)
        guard let token = form["csrf"], ConsoleSessions.secretsMatch(token, signedIn.session.csrfToken) else {
            return (form, views.message("Form expired", "This form was not sent from this session’s page; nothing was changed. Open the page again and retry.",
                                        status: .forbidden, signedIn: signedIn))
        }
        return (form, nil)
    }
}
