import Foundation
import SmallyAccounts
import Testing

/// Drives the accounts layer through its logging paths (bad keys, store outage, Redis outage,
/// usage retries, the development key) with every level captured, then searches the log for
/// any key, key hash or key body.
@Suite("no secrets in logs") struct NoSecretsInLogsTests {
    @Test("logs never contain keys or hashes") func logsNeverContainKeysOrHashes() async throws {
        let capture = LogCapture()
        let directory = TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let base = SQLiteAccountStore(path: directory + "/smally.sqlite", logger: capture.logger)
        try await base.migrate()
        let store = FlakyStore(base)
        var secrets: [String] = []
        let admin = AccountsAdmin(store: store)
        let devKeyPath = try await DevelopmentKey.bootstrapIfEmpty(admin: admin, dataDirectory: directory) { _, _ in }
        let devKey = try String(contentsOfFile: try #require(devKeyPath), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        secrets.append(devKey)
        let attributes = try FileManager.default.attributesOfItem(atPath: try #require(devKeyPath))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let key = try await admin.createKey(organization: DevelopmentKey.organizationName)
        secrets.append(key.secret)
        let authenticator = KeyAuthenticator(store: store, revalidateAfter: .milliseconds(10), lookupTimeout: .milliseconds(200),
                                             logger: capture.logger)
        _ = await authenticator.authenticate(Substring(key.secret))
        let unknown = APIKeyFormat().generate().key
        secrets.append(unknown)
        _ = await authenticator.authenticate(Substring(unknown))
        _ = await authenticator.authenticate("sk_malformed")
        store.down = true
        try await Task.sleep(for: .milliseconds(20))
        _ = await authenticator.authenticate(Substring(key.secret))  // stale-if-error path
        let another = APIKeyFormat().generate().key
        secrets.append(another)
        _ = await authenticator.authenticate(Substring(another))  // unavailable path

        let recorder = UsageRecorder(store: store, logger: capture.logger)
        let organization = try await base.requireOrganization(named: DevelopmentKey.organizationName)
        recorder.record(organizationID: organization.id, keyID: key.record.id, counts: UsageCounts(requests: 1, embeddings: 1))
        _ = await recorder.flush()
        store.down = false
        _ = await recorder.flush()
        try await base.close()

        let text = capture.text
        #expect(!text.isEmpty)
        for secret in secrets {
            #expect(!text.contains(secret))
            #expect(!text.contains(String(secret.dropFirst(3).prefix(16))))  // any run of the key body
            #expect(!text.contains(APIKeyFormat.hash(secret)))
            #expect(!text.contains(String(APIKeyFormat.hash(secret).prefix(16))))
        }
    }
}
