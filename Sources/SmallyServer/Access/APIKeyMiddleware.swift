import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SmallyAccounts
import SmallyCore

/// Guards the routes that ``AccessRouter`` puts behind an API key. It runs after the router has
/// matched the route (it is a group middleware), so which routes it guards is decided by the
/// route, not by how the path was spelled.
///
/// For a protected request: refuse an address that failed too often unless its key is one the
/// store has confirmed before (429 `too_many_failed_attempts`, see ``AuthFailureThrottle``), authenticate (401
/// `invalid_api_key`; the failure is counted, logged without the key, and charged to the
/// address), count it against the key's
/// per-minute limit (429 `rate_limit_exceeded`; on the embedding routes by the route's quota
/// admission, see ``meteredRoutes``), run the route with a ``RequestMeter`` in its
/// context (the routes pass it to the embedding path, which charges the monthly quota through it:
/// 429 `quota_exceeded`), then settle the meter, record usage and add the rate-limit headers to the
/// response, errors included.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let runtime: AccountsRuntime

    /// The routes whose handler admits the request's embeddings (``RequestMeter/admit(embeddings:replies:)``)
    /// before any inference; their requests are counted against the key's minute by that admission.
    static let meteredRoutes: Set<String> = ["/v1/embed", "/v1/embeddings", "/v1/rerank"]

    /// `Authorization: Bearer <key>`, or `X-API-Key: <key>`.
    static func presentedKey(_ request: Request) -> Substring? {
        if let authorization = request.headers[.authorization] {
            // "Bearer " in any case, compared byte by byte: no lowercased copy and no grapheme
            // breaking (`Character` iteration) per request.
            let utf8 = authorization.utf8
            let space = UInt8(ascii: " ")
            var start = utf8.startIndex
            while start != utf8.endIndex, utf8[start] == space { utf8.formIndex(after: &start) }
            guard let schemeEnd = utf8.index(start, offsetBy: 7, limitedBy: utf8.endIndex), schemeEnd != utf8.endIndex,
                  ASCII.equalsIgnoringCase(utf8[start..<schemeEnd], "bearer ") else { return "" }
            var key = schemeEnd
            while key != utf8.endIndex, utf8[key] == space { utf8.formIndex(after: &key) }
            return authorization[key...]
        }
        return request.headers[.adminAPIKey].map { Substring($0) }
    }

    @concurrent func handle(_ request: Request, context: AppRequestContext,
                next: @concurrent (Request, AppRequestContext) async throws -> Response) async throws -> Response {
        let presented = Self.presentedKey(request)
        // A throttled address may still use keys this node has seen confirmed (so a guesser behind
        // the same proxy or NAT does not lock its neighbours out); anything else is refused before
        // any store lookup.
        // The peer's address is formatted only while some address has failures on record.
        let throttle = runtime.failureThrottle
        if throttle.isTracking, let seconds = throttle.retryAfter(context.clientAddress), !runtime.authenticator.isKnown(presented) {
            runtime.securityMetrics.throttled(.apiKey)
            throw APIError.tooManyFailedAttempts(retryAfterSeconds: seconds)
        }

        let principal: Principal
        switch await runtime.authenticator.authenticate(presented) {
        case .authenticated(let found):
            principal = found
        case .invalid(let reason):
            runtime.metrics.authFailure(reason)
            let address = context.clientAddress
            let blocked = runtime.failureThrottle.recordFailure(address)
            // Never the key itself: its reason and where it came from.
            context.logger.info("API key refused", metadata: [
                "reason": "\(reason.rawValue)", "client": "\(address)", "route": "\(context.endpointPath ?? "")",
            ])
            if blocked {
                context.logger.warning("client address throttled after repeated failed API keys", metadata: [
                    "client": "\(address)", "failures": "\(runtime.failureThrottle.limit)",
                ])
            }
            throw APIError.invalidAPIKey
        case .unavailable:
            throw APIError.unavailable("The account store is not reachable; retry shortly.")
        }

        let now = runtime.now()
        // On the embedding routes the request's minute is counted by the quota admission itself:
        // both counters in one Redis round trip, which rides along with the L2 cache lookup.
        // Everywhere else, here, before the route runs.
        let countedByAdmission = Self.meteredRoutes.contains(context.endpointPath ?? "")
        let counted: LimitDecision? = countedByAdmission
            ? nil : await runtime.limiter.admitRequest(keyID: principal.key.id, limit: principal.limits.requestsPerMinute, now: now)
        if let counted, !counted.allowed { throw await refusal(counted, principal, now: now) }

        let meter = RequestMeter(principal: principal, limiter: runtime.limiter, countsRequest: countedByAdmission, now: runtime.now)
        var context = context
        context.meter = meter
        let outcome: Result<Response, any Error>
        do {
            // `key_id` / `organization_id` reach log lines through `RequestLogMetadata.provider`.
            outcome = .success(try await RequestLogMetadata.$principal.withValue(principal) { try await next(request, context) })
        } catch {
            outcome = .failure(error)
        }
        let perMinute: LimitDecision
        if let counted {
            perMinute = counted
        } else {
            // A route that ended before its admission (a malformed request) is counted now.
            let decision = if let decided = meter.perMinute {
                decided
            } else {
                await runtime.limiter.admitRequest(keyID: principal.key.id, limit: principal.limits.requestsPerMinute, now: now)
            }
            if !decision.allowed {
                _ = await meter.settle()  // nothing was charged to the month; settled all the same
                throw await refusal(decision, principal, now: now)
            }
            perMinute = decision
        }

        // Usage and quota settlement.
        var (usage, monthly) = await meter.settle()
        if monthly?.allowed == false { runtime.metrics.quotaExceeded.increment() }
        usage.requests = 1
        runtime.recorder.record(organizationID: principal.organization.id, keyID: principal.key.id, model: meter.servedModel,
                                counts: usage, at: now)
        if monthly == nil {
            monthly = await monthlyStatus(principal, now: now)
        }

        switch outcome {
        case .success(var response):
            response.headers.addRateLimitHeaders(perMinute: perMinute, monthly: monthly, now: now)
            return response
        case .failure(var error as APIError):
            error.headers.addRateLimitHeaders(perMinute: perMinute, monthly: monthly, now: now)
            throw error
        case .failure(let error as CoreError):
            // The error middleware's mapping, applied here so that the answer carries the headers too.
            var error = APIError(error)
            error.headers.addRateLimitHeaders(perMinute: perMinute, monthly: monthly, now: now)
            throw error
        case .failure(let error):
            throw error
        }
    }

    /// The answer to a request its key's minute refused: 429 with the rate-limit headers, or 503
    /// when the counters cannot be consulted and the fallback policy refuses.
    private func refusal(_ perMinute: LimitDecision, _ principal: Principal, now: Date) async -> APIError {
        if perMinute.unavailable { return APIError.quotaUnavailable }
        runtime.metrics.rateLimited.increment()
        var error = APIError.rateLimited(perMinute, now: now)
        let monthly = await monthlyStatus(principal, now: now)
        error.headers.addRateLimitHeaders(perMinute: perMinute, monthly: monthly, now: now)
        return error
    }

    private func monthlyStatus(_ principal: Principal, now: Date) async -> LimitDecision {
        await runtime.limiter.admitEmbeddings(organizationID: principal.organization.id, count: 0,
                                              limit: principal.limits.embeddingsPerMonth, now: now)
    }
}
