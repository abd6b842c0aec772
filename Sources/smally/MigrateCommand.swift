import ArgumentParser
import Foundation
import SmallyAccounts
import SmallyJSON

/// `smally migrate`: applies the account store's pending schema migrations (the server also
/// applies them at start). Reads `DATABASE_URL` / `SMALLY_DATA_DIR` like `smally serve`.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending database migrations (PostgreSQL with DATABASE_URL, else the embedded SQLite file)."
    )

    @OptionGroup var options: AccountsOptions

    func run() async throws {
        let settings: AccountsSettings
        do {
            settings = try AccountsSettings(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("configuration: \(error)")
        }
        let location = settings.isEmbedded ? settings.sqlitePath : "DATABASE_URL"
        try await options.run(migrate: false) { admin in
            let store = admin.store
            let applied = try await store.migrate()
            let versions = try await store.appliedMigrations()
            let json = JSONValue.object([
                ("object", .string("migration")),
                ("backend", .string(store.backend)),
                ("location", .string(location)),
                ("applied", .array(applied.map { .int($0) })),
                ("version", .int(versions.last)),
            ])
            let text = applied.isEmpty
                ? "\(store.backend) schema is current (version \(versions.last ?? 0)) at \(location)"
                : "applied migration(s) \(applied.map(String.init).joined(separator: ", ")) to \(store.backend) at \(location); now at version \(versions.last ?? 0)"
            return (json, text)
        }
    }
}
