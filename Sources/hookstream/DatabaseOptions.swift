import ArgumentParser
import Foundation
import HookstreamServer
import HookstreamStore
import Logging

/// The database a command works on directly, without a server: the options `serve` takes to
/// find it, with the same environment variables and defaults (`migrate`, `export`, `import`).
struct DatabaseOptions: ParsableArguments {
    @Option(help: "Data directory (HOOKSTREAM_DATA_DIR, default ./hookstream-data).") var dataDir: String?
    @Option(help: "postgres://USER:PASSWORD@HOST:PORT/DATABASE or sqlite:PATH; default SQLite in the data directory (HOOKSTREAM_DATABASE_URL).")
    var databaseURL: String?

    /// Opens (and migrates) the database; `blobs` is the data directory's body files on SQLite
    /// and nil on PostgreSQL, where bodies live in the database.
    func open(label: String) async throws -> (store: SQLStore, blobs: BlobStore?) {
        let env = ProcessInfo.processInfo.environment
        var c = ServerConfiguration()
        c.dataDirectory = dataDir ?? env["HOOKSTREAM_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? c.dataDirectory
        c.databaseURL = databaseURL ?? env["HOOKSTREAM_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        c.databasePoolSize = 2
        let dataDirectory = (c.dataDirectory as NSString).standardizingPath
        if c.databaseURL == nil { try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true) }
        let store = try await HookstreamServer.openStore(c, dataDirectory: dataDirectory, logger: Logger(label: label))
        return (store, store.isShared ? nil : try BlobStore(root: dataDirectory + "/blobs"))
    }
}
