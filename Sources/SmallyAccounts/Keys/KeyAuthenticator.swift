import Foundation
import Logging
import Metrics
import Synchronization

/// Who is calling: a usable key, its organization and the limits that apply.
public struct Principal: Sendable, Hashable {
    public var key: APIKeyRecord
    public var organization: Organization
    public var limits: TierLimits.Limits

    public init(key: APIKeyRecord, organization: Organization, limits: TierLimits.Limits) {
        self.key = key
        self.organization = organization
        self.limits = limits
    }
}

/// Turns a presented key into a ``Principal``, with an in-memory cache so the request path
/// rarely touches the store.
///
/// A cache entry (found or not found) is trusted for `revalidateAfter` (default 2 s, at most 5 s);
/// after that the next request looks the key up again (one lookup per key at a time, bounded by
/// `lookupTimeout`). So a key revoked on any node stops working on every node within
/// `revalidateAfter` + one lookup. Expiry is checked against the clock on every request.
///
/// Two caches, so that unknown keys cannot push out known ones: found keys (active, revoked or
/// expired: they exist in the store, so their number is bounded by real keys) live in an LRU of
/// `maxEntries` (default 100,000); keys the store does not know live in a separate LRU of
/// `maxNegativeEntries` (default 10,000), which a flood of random keys churns without touching the
/// first. Store lookups of keys this node has not found before are limited to
/// `maxConcurrentUnknownLookups` (default 8) at a time; a request beyond that gets
/// ``Outcome/unavailable`` (503) at once rather than queueing on the store, so a flood of
/// random well-formed keys costs the store at most that many concurrent lookups, and
/// revalidation of known keys (not limited) and usage writes keep their turn.
///
/// While the store is unreachable, keys confirmed by the store in the last `staleIfErrorFor`
/// (default 30 s) keep working from the cache; after that, and for keys never confirmed,
/// the answer is ``Outcome/unavailable``. The window is also how long a revocation made on another
/// node during the outage can go unseen, so it is kept short: long enough to ride over a database
/// restart or failover (typically 5–30 s) without refusing every customer, short enough that
/// a revoked key does not keep working for minutes.
public final class KeyAuthenticator: Sendable {
    public enum Outcome: Sendable {
        case authenticated(Principal)
        case invalid(Reason)
        /// The store did not answer (or is busy with other unknown keys) and the cache cannot decide.
        case unavailable
    }

    /// Why a key was refused — for metrics and debug logs only; clients get one message.
    public enum Reason: String, Sendable {
        case missing, malformed, unknown, revoked, expired
    }

    struct Entry: Sendable {
        var credential: (key: APIKeyRecord, organization: Organization)
        /// When the store last confirmed it.
        var fetchedAt: ContinuousClock.Instant
    }

    typealias Credential = (key: APIKeyRecord, organization: Organization)

    private struct State {
        var found: BoundedLRU<String, Entry>
        /// Hashes the store did not know, and when it said so.
        var unknown: BoundedLRU<String, ContinuousClock.Instant>
        var lookups: [String: Task<Credential?, any Error>] = [:]
        /// Running lookups of hashes not in `found`.
        var unknownLookups = 0
        var lastStaleWarning: ContinuousClock.Instant?
    }

    /// Thrown inside when `maxConcurrentUnknownLookups` lookups are already running.
    private struct Busy: Error {}

    public static let defaultStaleIfErrorFor: Duration = .seconds(30)

    public let format: APIKeyFormat
    private let store: any AccountStore
    private let tierLimits: TierLimits
    private let revalidateAfter: Duration
    private let staleIfErrorFor: Duration
    private let lookupTimeout: Duration
    private let maxConcurrentUnknownLookups: Int
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let state: Mutex<State>
    private let throttledCounter = Counter(label: "smally_auth_lookups_throttled_total")

    /// - Parameters:
    ///   - revalidateAfter: how long a cached answer is trusted; default 2 s, capped at 5 s.
    ///   - staleIfErrorFor: how long after its last confirmation a known key keeps working while the
    ///     store fails; default 30 s (``defaultStaleIfErrorFor``), capped at 5 minutes.
    ///   - lookupTimeout: one store lookup gives up after this; default 1 s.
    ///   - maxEntries: found keys cached (LRU); default 100,000.
    ///   - maxNegativeEntries: unknown keys cached (LRU); default 10,000.
    ///   - maxConcurrentUnknownLookups: store lookups of keys not found before, at once; default 8.
    public init(store: any AccountStore, format: APIKeyFormat = APIKeyFormat(), tierLimits: TierLimits = .defaults,
                revalidateAfter: Duration = .seconds(2), staleIfErrorFor: Duration = KeyAuthenticator.defaultStaleIfErrorFor,
                lookupTimeout: Duration = .seconds(1), maxEntries: Int = 100_000, maxNegativeEntries: Int = 10_000,
                maxConcurrentUnknownLookups: Int = 8,
                now: @escaping @Sendable () -> Date = { Date() }, logger: Logger) {
        self.store = store
        self.format = format
        self.tierLimits = tierLimits
        self.revalidateAfter = min(revalidateAfter, .seconds(5))
        self.staleIfErrorFor = min(max(staleIfErrorFor, .zero), .seconds(300))
        self.lookupTimeout = lookupTimeout
        self.maxConcurrentUnknownLookups = max(1, maxConcurrentUnknownLookups)
        self.now = now
        self.logger = logger
        self.state = Mutex(State(found: BoundedLRU(capacity: max(0, maxEntries)),
                                 unknown: BoundedLRU(capacity: max(0, maxNegativeEntries))))
    }

    /// Checks a presented key (the part after `Bearer `).
    public func authenticate(_ presented: Substring?) async -> Outcome {
        guard let presented, !presented.isEmpty else { return .invalid(.missing) }
        guard format.isWellFormed(presented) else { return .invalid(.malformed) }
        let hash = APIKeyFormat.hash(presented)
        let clock = ContinuousClock.now
        let (cached, unknownAt) = state.withLock { state in
            let found = state.found.get(hash)
            return (found, found == nil ? state.unknown.get(hash) : nil)
        }
        if let cached, clock - cached.fetchedAt < revalidateAfter {
            return decide(cached.credential)
        }
        if let unknownAt, clock - unknownAt < revalidateAfter {
            return .invalid(.unknown)
        }
        do {
            return decide(try await lookup(hash, known: cached != nil))
        } catch is Busy {
            throttledCounter.increment()
            return .unavailable
        } catch {
            if let cached, clock - cached.fetchedAt < staleIfErrorFor {
                warnStale(error)
                return decide(cached.credential)
            }
            if let unknownAt, clock - unknownAt < staleIfErrorFor {
                return .invalid(.unknown)
            }
            logger.warning("cannot check an API key: the account store did not answer", metadata: ["error": "\(error)"])
            return .unavailable
        }
    }

    /// Whether the store has confirmed this key before (it is in the cache of found keys, however
    /// old the entry). Lets a caller refuse unknown keys cheaply — without a store lookup — while
    /// known ones go through ``authenticate(_:)`` as usual.
    public func isKnown(_ presented: Substring?) -> Bool {
        guard let presented, format.isWellFormed(presented) else { return false }
        let hash = APIKeyFormat.hash(presented)
        return state.withLock { $0.found.peek(hash) != nil }
    }

    /// Forgets cached keys (this node's admin changes take effect at once).
    public func invalidateAll() {
        state.withLock { state in
            state.found.removeAll()
            state.unknown.removeAll()
        }
    }

    /// Cached found and unknown keys (for tests and metrics).
    public var cachedCounts: (found: Int, unknown: Int) {
        state.withLock { ($0.found.count, $0.unknown.count) }
    }

    private func decide(_ credential: Credential?) -> Outcome {
        guard let credential else { return .invalid(.unknown) }
        switch credential.key.status(at: now()) {
        case .revoked: return .invalid(.revoked)
        case .expired: return .invalid(.expired)
        case .active:
            return .authenticated(Principal(key: credential.key, organization: credential.organization,
                                            limits: tierLimits.effective(for: credential.organization)))
        }
    }

    /// One store lookup per hash at a time; concurrent callers share it. Lookups of hashes not
    /// `known` (not found before) count against `maxConcurrentUnknownLookups`.
    private func lookup(_ hash: String, known: Bool) async throws -> Credential? {
        let store = self.store
        let timeout = self.lookupTimeout
        let limit = self.maxConcurrentUnknownLookups
        let task = try state.withLock { state -> (task: Task<Credential?, any Error>, counted: Bool) in
            if let running = state.lookups[hash] { return (running, false) }
            if !known {
                guard state.unknownLookups < limit else { throw Busy() }
                state.unknownLookups += 1
            }
            let task = Task { try await withDeadline(timeout) { try await store.credential(hash: hash) } }
            state.lookups[hash] = task
            return (task, !known)
        }
        let result = await task.task.result
        state.withLock { state in
            if task.counted { state.unknownLookups -= 1 }
            if state.lookups[hash] == task.task { state.lookups[hash] = nil }
            if case .success(let credential) = result {
                if let credential {
                    state.found.set(hash, Entry(credential: credential, fetchedAt: .now))
                    state.unknown.remove(hash)
                } else {
                    state.unknown.set(hash, .now)
                    state.found.remove(hash)
                }
            }
        }
        return try result.get()
    }
    private func warnStale(_ error: any Error) {
        let now = ContinuousClock.now
        let due = state.withLock { state -> Bool in
            if let last = state.lastStaleWarning, now - last < .seconds(60) { return false }
            state.lastStaleWarning = now
            return true
        }
        if due {
            logger.warning("account store unreachable; serving known API keys from the cache", metadata: ["error": "\(error)"])
        }
    }
}
