import ArgumentParser
import Foundation
import HookstreamServer
import Logging

/// `hookstream migrate`: brings the database's schema up to date without starting a server —
/// for a deployment that migrates once before rolling out new nodes. `serve` does the same on
/// start, so running it is never required. Idempotent; refuses a database migrated by a newer
/// hookstream.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply pending schema migrations to the database (serve also does this on start).")

    @Option(help: "Data directory (HOOKSTREAM_DATA_DIR, default ./hookstream-data).") var dataDir: String?
    @Option(help: "postgres://USER:PASSWORD@HOST:PORT/DATABASE or sqlite:PATH; default SQLite in the data directory (HOOKSTREAM_DATABASE_URL).")
    var databaseURL: String?

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        var c = ServerConfiguration()
        c.dataDirectory = dataDir ?? env["HOOKSTREAM_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? c.dataDirectory
        c.databaseURL = databaseURL ?? env["HOOKSTREAM_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        c.databasePoolSize = 2
        let dataDirectory = (c.dataDirectory as NSString).standardizingPath
        if c.databaseURL == nil { try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true) }
        let store = try await HookstreamServer.openStore(c, dataDirectory: dataDirectory, logger: Logger(label: "hookstream.migrate"))
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
