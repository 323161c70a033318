import ArgumentParser
import Foundation

/// `hookstream migrate`: brings the database's schema up to date without starting a server —
/// for a deployment that migrates once before rolling out new nodes. `serve` does the same on
/// start, so running it is never required. Idempotent; refuses a database migrated by a newer
/// hookstream.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply pending schema migrations to the database (serve also does this on start).")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let (store, _) = try await database.open(label: "hookstream.migrate")
        await store.close()
        let latest = store.schemaVersion
        if store.migrationsApplied.isEmpty {
            print("The schema is up to date (\(latest)).")
        } else {
            let applied = store.migrationsApplied
            let names = applied.count == 1 ? applied[0] : "\(applied[0]) … \(applied[applied.count - 1])"
            print("Applied \(applied.count) migration\(applied.count == 1 ? "" : "s") (\(names)); the schema is at \(latest).")
        }
    }
}
