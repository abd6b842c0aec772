import Foundation
import SmallyAccounts
import SmallyTestSupport
import Testing

/// Issue #14: unknown keys must not push known keys out of the cache, nor queue without bound
/// on the store, and a known key works only briefly while the store is down.
@Suite("key cache flood") struct KeyCacheFloodTests {
    static func isAuthenticated(_ outcome: KeyAuthenticator.Outcome) -> Bool {
        if case .authenticated = outcome { return true }
        return false
    }

    static func isUnavailable(_ outcome: KeyAuthenticator.Outcome) -> Bool {
        if case .unavailable = outcome { return true }
        return false
    }

    static func percentile(_ samples: [Duration], _ p: Double) -> Duration {
        let sorted = samples.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    static func randomKey() -> Substring {
        Substring(APIKeyFormat().generate().key)
    }

    @Test("a flood of 100,000 random well-formed keys leaves a valid key cached and runs at most 8 unknown-key lookups at once")
    func floodDoesNotEvictKnownKeys() async throws {
        try await TestEnvironment.withStore(.sqlite) { base in
            let store = FlakyStore(base)
            let admin = AccountsAdmin(store: store)
            _ = try await admin.createOrganization(name: "acme", tier: .free)
            let valid = Substring(try await admin.createKey(organization: "acme").secret)
            let authenticator = KeyAuthenticator(store: store, logger: TestEnvironment.logger)
            #expect(Self.isAuthenticated(await authenticator.authenticate(valid)))

            var quiet: [Duration] = []
            let clock = ContinuousClock()
            for _ in 0..<2_000 {
                let start = clock.now
                _ = await authenticator.authenticate(valid)
                quiet.append(clock.now - start)
            }

            let done = Flag()
            let flooding = Task {
                defer { done.set() }
                let start = clock.now
                // 64 concurrent clients, as over many connections.
                let outcomes = await withTaskGroup(of: (refused: Int, unavailable: Int).self) { group in
                    for _ in 0..<64 {
                        group.addTask {
                            var tally = (refused: 0, unavailable: 0)
                            for _ in 0..<(100_000 / 64 + 1) {
                                switch await authenticator.authenticate(Self.randomKey()) {
                                case .invalid(.unknown): tally.refused += 1
                                case .unavailable: tally.unavailable += 1
                                default: break
                                }
                                // A throttled answer does not suspend; yield like a server between requests,
                                // or 64 spinning clients would starve every other test of the 2 cores.
                                await Task.yield()
                            }
                            return tally
                        }
                    }
                    return await group.reduce((refused: 0, unavailable: 0)) { ($0.refused + $1.refused, $0.unavailable + $1.unavailable) }
                }
                return (outcomes, clock.now - start)
            }
            var during: [Duration] = []
            var validFailures = 0
            // Sample the valid key every millisecond until the flood is over.
            while !done.isSet {
                let start = clock.now
                if !Self.isAuthenticated(await authenticator.authenticate(valid)) { validFailures += 1 }
                during.append(clock.now - start)
                try await Task.sleep(for: .milliseconds(1))
            }
            let (tally, wall) = await flooding.value
            #expect(validFailures == 0, "the valid key was refused \(validFailures) times during the flood")
            #expect(tally.refused + tally.unavailable >= 100_000)
            #expect(store.peakConcurrentLookups <= 9, "8 unknown-key lookups plus the valid key's revalidation")

            // Served from the cache: with the store down the entry still answers (a flushed cache would not).
            let lookups = store.credentialLookups
            #expect(Self.isAuthenticated(await authenticator.authenticate(valid)))
            store.down = true
            #expect(Self.isAuthenticated(await authenticator.authenticate(valid)))
            #expect(authenticator.cachedCounts.found == 1 && authenticator.cachedCounts.unknown <= 10_000)
            print("""
                [measure] flood of \(tally.refused + tally.unavailable) random keys: wall \(wall); \
                store lookups \(lookups - 1) (\(tally.refused) refused as unknown, \(tally.unavailable) answered 503 as throttled); \
                peak concurrent lookups \(store.peakConcurrentLookups); \
                valid-key authenticate p50/p99 quiet \(Self.percentile(quiet, 0.5))/\(Self.percentile(quiet, 0.99)) (n=\(quiet.count)), \
                during flood \(Self.percentile(during, 0.5))/\(Self.percentile(during, 0.99)) (n=\(during.count))
                """)
        }
    }

    @Test("while the store fails, a known key works for staleIfErrorFor after its last confirmation, then gets 503")
    func staleWindowIsBounded() async throws {
        #expect(KeyAuthenticator.defaultStaleIfErrorFor == .seconds(30))
        try await TestEnvironment.withStore(.sqlite) { base in
            let store = FlakyStore(base)
            let admin = AccountsAdmin(store: store)
            _ = try await admin.createOrganization(name: "acme", tier: .free)
            let key = Substring(try await admin.createKey(organization: "acme").secret)
            let authenticator = KeyAuthenticator(store: store, revalidateAfter: .milliseconds(50), staleIfErrorFor: .seconds(3),
                                                 lookupTimeout: .milliseconds(100), logger: TestEnvironment.logger)
            #expect(Self.isAuthenticated(await authenticator.authenticate(key)))
            let confirmed = ContinuousClock.now
            store.down = true
            try await Task.sleep(for: .milliseconds(100))
            let inside = await authenticator.authenticate(key)
            #expect(Self.isAuthenticated(inside), "got \(inside)")  // inside the window
            try await Task.sleep(until: confirmed + .milliseconds(3_100))
            #expect(Self.isUnavailable(await authenticator.authenticate(key)))  // past it: unknown state, 503
            store.down = false
            #expect(Self.isAuthenticated(await authenticator.authenticate(key)))
        }
    }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
