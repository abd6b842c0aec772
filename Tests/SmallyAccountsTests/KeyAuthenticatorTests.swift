import Foundation
import SmallyAccounts
import SmallyTestSupport
import Testing

@Suite("key authenticator") struct KeyAuthenticatorTests {
    static func principal(_ outcome: KeyAuthenticator.Outcome) -> Principal? {
        if case .authenticated(let principal) = outcome { return principal }
        return nil
    }

    static func reason(_ outcome: KeyAuthenticator.Outcome) -> KeyAuthenticator.Reason? {
        if case .invalid(let reason) = outcome { return reason }
        return nil
    }

    @Test("key hashes are the SHA-256 hex digest (FIPS 180-2 vectors), whatever string type holds the key")
    func keyHashIsSHA256Hex() {
        #expect(APIKeyFormat.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(APIKeyFormat.hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let key = "sk_" + String(repeating: "A", count: 43)
        #expect(APIKeyFormat.hash(key) == APIKeyFormat.hash(Substring("  " + key).dropFirst(2)))
    }

    @Test("refuses every kind of bad key", arguments: Backend.allCases)
    func refusesEveryKindOfBadKey(backend: Backend) async throws {
        try await TestEnvironment.withStore(backend) { store in
            let clock = TestClock(Timestamps.now())
            let admin = AccountsAdmin(store: store, now: { clock.now })
            _ = try await admin.createOrganization(name: "acme", tier: .pro, requestsPerMinute: 7)
            let good = try await admin.createKey(organization: "acme")
            let expiring = try await admin.createKey(organization: "acme", expiresIn: 10)
            let revoked = try await admin.createKey(organization: "acme")
            _ = try await admin.revokeKey(id: revoked.record.id)
            let authenticator = KeyAuthenticator(store: store, now: { clock.now }, logger: TestEnvironment.logger)

            let principal = try #require(Self.principal(await authenticator.authenticate(Substring(good.secret))))
            #expect(principal.organization.name == "acme" && principal.key.id == good.record.id)
            #expect(principal.limits == .init(embeddingsPerMonth: 100_000, requestsPerMinute: 7))

            #expect(Self.reason(await authenticator.authenticate(nil)) == .missing)
            #expect(Self.reason(await authenticator.authenticate("")) == .missing)
            #expect(Self.reason(await authenticator.authenticate("sk_tooshort")) == .malformed)
            #expect(Self.reason(await authenticator.authenticate(Substring(APIKeyFormat().generate().key))) == .unknown)
            #expect(Self.reason(await authenticator.authenticate(Substring(revoked.secret))) == .revoked)
            #expect(Self.principal(await authenticator.authenticate(Substring(expiring.secret))) != nil)
            clock.advance(11)  // expiry is checked on every request, cache or not
            #expect(Self.reason(await authenticator.authenticate(Substring(expiring.secret))) == .expired)
        }
    }

    /// Two server instances with their own caches on one store: a revocation made through one is
    /// honoured by the other within 5 seconds (and a rotated-out key once its grace period ends).
    @Test("revocation reaches every instance within five seconds", arguments: Backend.allCases)
    func revocationReachesEveryInstanceWithinFiveSeconds(backend: Backend) async throws {
        try await TestEnvironment.withStore(backend) { store in
            let admin = AccountsAdmin(store: store)
            _ = try await admin.createOrganization(name: "acme", tier: .free)
            let key = try await admin.createKey(organization: "acme")
            let nodeA = KeyAuthenticator(store: store, logger: TestEnvironment.logger)
            let nodeB = KeyAuthenticator(store: store, logger: TestEnvironment.logger)
            #expect(Self.principal(await nodeA.authenticate(Substring(key.secret))) != nil)
            #expect(Self.principal(await nodeB.authenticate(Substring(key.secret))) != nil)  // cached now

            // Node A's admin revokes (its own cache is dropped at once).
            let adminA = AccountsAdmin(store: store, onChange: { nodeA.invalidateAll() })
            let revokedAt = ContinuousClock.now
            _ = try await adminA.revokeKey(id: key.record.id)
            #expect(Self.reason(await nodeA.authenticate(Substring(key.secret))) == .revoked)
            // Node B keeps serving requests and refuses the key within 5 s.
            let took = try await waitUntil("node B refuses the revoked key", within: .seconds(5)) {
                Self.reason(await nodeB.authenticate(Substring(key.secret))) == .revoked
            }
            #expect(ContinuousClock.now - revokedAt < .seconds(5), "took \(took)")
        }
    }

    @Test("known keys keep working while the store is down") func knownKeysKeepWorkingWhileTheStoreIsDown() async throws {
        try await TestEnvironment.withStore(.sqlite) { base in
            let store = FlakyStore(base)
            let admin = AccountsAdmin(store: store)
            _ = try await admin.createOrganization(name: "acme", tier: .free)
            let known = try await admin.createKey(organization: "acme")
            let other = try await admin.createKey(organization: "acme")
            let authenticator = KeyAuthenticator(store: store, revalidateAfter: .milliseconds(50), lookupTimeout: .milliseconds(200),
                                                 logger: TestEnvironment.logger)
            #expect(Self.principal(await authenticator.authenticate(Substring(known.secret))) != nil)
            store.down = true
            try await Task.sleep(for: .milliseconds(100))  // past revalidation: the lookup fails
            #expect(Self.principal(await authenticator.authenticate(Substring(known.secret))) != nil)
            guard case .unavailable = await authenticator.authenticate(Substring(other.secret)) else {
                Issue.record("an unseen key must get 'unavailable' while the store is down")
                return
            }
            store.down = false
            #expect(Self.principal(await authenticator.authenticate(Substring(other.secret))) != nil)
        }
    }
}
