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
/// While the store is unreachable, keys seen in the last `staleIfErrorFor` (default 10 min) keep
/// working from the cache (revocations made meanwhile wait for the store to come back); unknown
/// keys get ``Outcome/unavailable``.
public final class KeyAuthenticator: Sendable {
    public enum Outcome: Sendable {
        case authenticated(Principal)
        case invalid(Reason)
        /// The store did not answer and the key is not in the cache.
        case unavailable
    }

    /// Why a key was refused — for metrics and debug logs only; clients get one message.
    public enum Reason: String, Sendable {
        case missing, malformed, unknown, revoked, expired
    }

    struct Entry: Sendable {
        var credential: (key: APIKeyRecord, organization: Organization)?
        var fetchedAt: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var lookups: [String: Task<(key: APIKeyRecord, organization: Organization)?, any Error>] = [:]
        var lastStaleWarning: ContinuousClock.Instant?
    }

    public let format: APIKeyFormat
    private let store: any AccountStore
    private let tierLimits: TierLimits
    private let revalidateAfter: Duration
    private let staleIfErrorFor: Duration
    private let lookupTimeout: Duration
    private let maxEntries: Int
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let state = Mutex(State())

    public init(store: any AccountStore, format: APIKeyFormat = APIKeyFormat(), tierLimits: TierLimits = .defaults,
                revalidateAfter: Duration = .seconds(2), staleIfErrorFor: Duration = .seconds(600),
                lookupTimeout: Duration = .seconds(1), maxEntries: Int = 100_000,
                now: @escaping @Sendable () -> Date = { Date() }, logger: Logger) {
        self.store = store
        self.format = format
        self.tierLimits = tierLimits
        self.revalidateAfter = min(revalidateAfter, .seconds(5))
        self.staleIfErrorFor = staleIfErrorFor
        self.lookupTimeout = lookupTimeout
        self.maxEntries = maxEntries
        self.now = now
        self.logger = logger
    }

    /// Checks a presented key (the part after `Bearer `).
    public func authenticate(_ presented: Substring?) async -> Outcome {
        guard let presented, !presented.isEmpty else { return .invalid(.missing) }
        guard format.isWellFormed(presented) else { return .invalid(.malformed) }
        let hash = APIKeyFormat.hash(presented)
        let clock = ContinuousClock.now
        let cached = state.withLock { $0.entries[hash] }
        if let cached, clock - cached.fetchedAt < revalidateAfter {
            return decide(cached.credential)
        }
        do {
            let credential = try await lookup(hash)
            return decide(credential)
        } catch {
            if let cached, clock - cached.fetchedAt < staleIfErrorFor {
                warnStale(error)
                return decide(cached.credential)
            }
            logger.warning("cannot check an API key: the account store did not answer", metadata: ["error": "\(error)"])
            return .unavailable
        }
    }

    /// Forgets cached keys (this node's admin changes take effect at once).
    public func invalidateAll() {
        state.withLock { $0.entries.removeAll() }
    }

    private func decide(_ credential: (key: APIKeyRecord, organization: Organization)?) -> Outcome {
        guard let credential else { return .invalid(.unknown) }
        switch credential.key.status(at: now()) {
        case .revoked: return .invalid(.revoked)
        case .expired: return .invalid(.expired)
        case .active:
            return .authenticated(Principal(key: credential.key, organization: credential.organization,
                                            limits: tierLimits.effective(for: credential.organization)))
        }
    }

    /// One store lookup per hash at a time; concurrent callers share it.
    private func lookup(_ hash: String) async throws -> (key: APIKeyRecord, organization: Organization)? {
        let store = self.store
        let timeout = self.lookupTimeout
        let task = state.withLock { state in
            if let running = state.lookups[hash] { return running }
            let task = Task { try await withDeadline(timeout) { try await store.credential(hash: hash) } }
            state.lookups[hash] = task
            return task
        }
        let result = await task.result
        state.withLock { state in
            if state.lookups[hash] == task { state.lookups[hash] = nil }
            if case .success(let credential) = result {
                if state.entries.count >= maxEntries { state.entries.removeAll(keepingCapacity: true) }
                state.entries[hash] = Entry(credential: credential, fetchedAt: .now)
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
