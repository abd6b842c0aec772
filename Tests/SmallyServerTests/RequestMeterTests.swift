import Foundation
import ServiceLifecycle
import SmallyAccounts
import SmallyCache
import SmallyCore
@testable import SmallyServer
import Testing

/// The quota seam between the accounts side and the core: the real `RequestMeter` on an in-process
/// limiter, passed to the real `EmbeddingService`.
@Suite("RequestMeter")
struct RequestMeterTests {
    static func meter(limit: Int, limiter: InProcessQuotaLimiter, now: Date) -> RequestMeter {
        let organization = Organization(name: "meter-test", tier: .free)
        let key = APIKeyRecord(organizationID: organization.id, name: "default", prefix: "sk_test", hash: "")
        let principal = Principal(key: key, organization: organization,
                                  limits: .init(embeddingsPerMonth: limit, requestsPerMinute: 60))
        return RequestMeter(principal: principal, limiter: limiter, now: { now })
    }

    /// A service whose batcher is not running and holds at most `room` texts, so that a request
    /// that needs inference fails after admission (`overloaded`) instead of waiting.
    static func service(room: Int) throws -> EmbeddingService {
        let engine = try ServerTestSupport.engine()
        return EmbeddingService(engine: engine,
                                batcher: Batcher(engine: engine, maxQueuedTexts: room, maxBatchSize: 4, maxBatchTokens: 100,
                                                 logger: ServerTestSupport.logger),
                                cache: TieredEmbeddingCache(l1: LRUCache(capacity: 10), l2: nil))
    }

    @Test("a request over the quota is refused with the decision's figures, and nothing is charged")
    func refused() async throws {
        let now = Date()
        let limiter = InProcessQuotaLimiter(seed: nil)
        let meter = Self.meter(limit: 3, limiter: limiter, now: now)
        let service = try Self.service(room: 0)
        do {
            _ = try await service.embed(texts: ["a", "b", "c", "d", "e"], meter: meter)
            Issue.record("five texts fitted a quota of three")
        } catch let error as CoreError {
            guard case .quotaExceeded(let refusal) = error else { throw error }
            #expect(refusal.limit == 3 && refusal.remaining == 3 && refusal.requested == 5)
            #expect(refusal.retryAfterSeconds == max(1, Int(refusal.resetAt.timeIntervalSince(now).rounded(.up))))
            // The mapping keeps today's answer.
            let answer = APIError(error)
            #expect(answer.status == .tooManyRequests && answer.code == "quota_exceeded" && answer.type == "insufficient_quota")
            #expect(answer.message.hasPrefix("Monthly quota reached: this organization may embed 3 texts a month, 3 remain and this request has 5."))
        }
        #expect(limiter.used(organizationID: meter.principal.organization.id, now: now) == 0)
    }

    @Test("invalid token ids are refused before the quota is charged")
    func invalidBeforeCharge() async throws {
        let now = Date()
        let limiter = InProcessQuotaLimiter(seed: nil)
        let meter = Self.meter(limit: 100, limiter: limiter, now: now)
        await #expect(throws: CoreError.self) {
            _ = try await Self.service(room: 4).embed(tokenIDs: [[101, 102], []], meter: meter)
        }
        #expect(limiter.used(organizationID: meter.principal.organization.id, now: now) == 0)
    }

    @Test("what was admitted and not served is given back when the meter settles")
    func settleGivesBack() async throws {
        let now = Date()
        let limiter = InProcessQuotaLimiter(seed: nil)
        let meter = Self.meter(limit: 100, limiter: limiter, now: now)
        let organization = meter.principal.organization.id
        // Admitted, then refused by the full queue: charged until the request is settled.
        await #expect(throws: CoreError.overloaded(queued: 0)) {
            _ = try await Self.service(room: 1).embed(texts: ["one", "two"], meter: meter)
        }
        #expect(limiter.used(organizationID: organization, now: now) == 2)
        let (served, monthly) = await meter.settle()
        #expect(served.embeddings == 0)
        #expect(monthly?.remaining == 100)
        #expect(limiter.used(organizationID: organization, now: now) == 0)
        _ = await meter.settle()   // settling twice gives back nothing more
        #expect(limiter.used(organizationID: organization, now: now) == 0)
        // The key's organization scopes the cache.
        #expect(meter.cacheScopeID == organization)
    }

    @Test("texts shed at the queue deadline fail the request with 503 queue_timeout + Retry-After, and nothing is charged")
    func shedIsNotCharged() async throws {
        let now = Date()
        let limiter = InProcessQuotaLimiter(seed: nil)
        let meter = Self.meter(limit: 1_000, limiter: limiter, now: now)
        let engine = try ServerTestSupport.engine()
        // One lane, one text per batch, a 1 ms deadline: the request's later texts wait past it.
        let batcher = Batcher(engine: engine, maxQueuedTexts: 1_000, maxBatchSize: 1, maxBatchTokens: 100,
                              maxQueueWait: .milliseconds(1), lanes: 1, logger: ServerTestSupport.logger)
        let service = EmbeddingService(engine: engine, batcher: batcher, cache: TieredEmbeddingCache(l1: LRUCache(capacity: 10), l2: nil))
        let services = ServiceGroup(configuration: .init(services: [batcher], logger: ServerTestSupport.logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            do {
                _ = try await service.embed(texts: (0..<64).map { "shed text \($0) for the meter" }, meter: meter)
                Issue.record("64 texts on one lane all started within 1 ms")
            } catch {
                let answer = APIError(try #require(error as? CoreError))
                #expect(answer.status == .serviceUnavailable && answer.code == "queue_timeout" && answer.type == "overloaded_error")
                #expect(answer.headers[.retryAfter] == "1")
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        let (served, _) = await meter.settle()
        #expect(served.embeddings == 0)
        #expect(limiter.used(organizationID: meter.principal.organization.id, now: now) == 0)
    }
}
