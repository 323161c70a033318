import Foundation
import HookstreamCDC
public import HookstreamStore
public import HookstreamCore
import Logging
public import PostgresNIO

/// The PostgreSQL test server (`scripts/services/postgres`), for every test that needs a real
/// database: change capture reads from it, the PostgreSQL store writes to it. Each suite makes
/// its own database so suites running side by side never see each other's tables or slots.
///
/// ```swift
/// let uri = try await TestPostgres.createDatabase("capture")
/// try await TestPostgres.withConnection(uri) { db in try await db.query("CREATE TABLE t (id int)", logger: TestPostgres.logger) }
/// ```
public enum TestPostgres {
    public static let variable = "HOOKSTREAM_TEST_POSTGRES_URL"
    public static let logger = Logger(label: "hookstream.test.postgres")

    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "\(TestPostgres.variable) is not set: run the test with the PostgreSQL test service, "
                + "scripts/with-services postgres -- swift test --skip-build --filter …"
        }
    }

    /// The server's superuser URI. Fails (never skips) when the service is not running.
    public static func serverURI() throws -> PostgresURI {
        guard let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty else { throw Missing() }
        return try PostgresURI(parsing: text)
    }

    /// A new, empty database named after `prefix` (letters, digits and `_` kept) plus a random
    /// suffix, on the test server or on `server` (a ``PrivatePostgres``'s); returns its URI
    /// (same superuser).
    public static func createDatabase(_ prefix: String, on server: PostgresURI? = nil, template: String? = nil) async throws -> PostgresURI {
        var uri = try server ?? serverURI()
        let clean = String(prefix.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0) || $0 == "_" }.prefix(30))
        let name = "t_\(clean)_\(UInt32.random(in: 0...UInt32.max).hex)"
        try await withConnection(uri) { db in
            do {
                try await db.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)" + (template.map { " TEMPLATE \($0)" } ?? "")), logger: logger)
            } catch {
                throw TestServerError("CREATE DATABASE \(name): \(String(reflecting: error))")
            }
        }
        uri.database = name
        return uri
    }

    /// Runs `body` with a fresh connection to `uri` (no TLS: the test server is on loopback),
    /// closing it after.
    public static func withConnection<T: Sendable>(
        _ uri: PostgresURI, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection: PostgresConnection
        do {
            connection = try await connect(uri)
        } catch {
            throw TestServerError("connecting to the PostgreSQL test server: \(String(reflecting: error))")
        }
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    public static func connect(_ uri: PostgresURI) async throws -> PostgresConnection {
        let configuration = PostgresConnection.Configuration(
            host: uri.host, port: uri.port, username: uri.username, password: uri.password, database: uri.database, tls: .disable)
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
    }

    /// Runs each statement in turn (DDL and fixtures written as plain SQL), each to its end (an
    /// error raised while a `SELECT f(…)` runs arrives with its rows), and giving up when the
    /// server ends the connection (see `guardedQuery`).
    public static func execute(_ statements: [String], on db: PostgresConnection) async throws {
        for sql in statements { try await db.perform(PostgresQuery(unsafeSQL: sql), logger: logger) }
    }
}

extension UInt32 {
    fileprivate var hex: String {
        let s = String(self, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }
}

/// Which store the test servers run on: SQLite in their data directory (the default), or,
/// with `HOOKSTREAM_TEST_STORE=postgres`, a PostgreSQL database of their own on the test server
/// (`scripts/test` runs the server suites once on each). The database belongs to the data
/// directory: a test that restarts a server on the same directory meets the same data.
public enum TestStore {
    public static let variable = "HOOKSTREAM_TEST_STORE"

    public static var isPostgres: Bool { ProcessInfo.processInfo.environment[variable] == "postgres" }

    /// The `--database-url` for a server on `dataDirectory`: nil on SQLite; on PostgreSQL the
    /// one recorded in the directory, or a new database recorded there.
    public static func databaseURL(for dataDirectory: String) async throws -> String? {
        guard isPostgres else { return nil }
        let record = dataDirectory + "/test-database-url"
        if let known = try? String(contentsOfFile: record, encoding: .utf8) { return known }
        let url = try await createMigratedDatabase("server").text
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        try url.write(toFile: record, atomically: true, encoding: .utf8)
        return url
    }

    /// The store of a server's data directory, opened beside it (as another node would be),
    /// for tests that look at what the server wrote.
    public static func open(dataDirectory: String) async throws -> SQLStore {
        guard let url = try await databaseURL(for: dataDirectory) else { return try SQLStore(path: dataDirectory + "/hookstream.sqlite") }
        return try await SQLStore.postgres(PostgresURI(parsing: url), connections: 2, logger: TestPostgres.logger)
    }

    /// The archive of a server's data directory as retention wrote it: its day file on SQLite,
    /// the day's members in the database on PostgreSQL.
    public static func archive(dataDirectory: String, organizationID: String, day: ArchiveDay) async throws -> [UInt8]? {
        guard isPostgres else {
            return try ArchiveFiles(root: dataDirectory + "/archive").read(organizationID: organizationID, day: day, limit: nil)
        }
        let store = try await open(dataDirectory: dataDirectory)
        let bytes = try await DatabaseArchive(store: store).bytes(organizationID: organizationID, day: day, limit: nil)
        await store.close()
        return bytes
    }

    /// The connections each test server opens (`--database-pool-size`): few, since a run has
    /// dozens of servers up at once.
    public static let poolSize = 3

    /// A new database with the current schema, copied from one migrated per test process (a
    /// copy is much cheaper than applying every migration again).
    public static func createMigratedDatabase(_ prefix: String) async throws -> PostgresURI {
        try await TestPostgres.createDatabase(prefix, template: try await migratedTemplate.value)
    }

    /// A database migrated once per test process, copied for each server.
    private static let migratedTemplate = Task<String, any Error> {
        let uri = try await TestPostgres.createDatabase("template")
        let store = try await SQLStore.postgres(uri, connections: 2, logger: TestPostgres.logger)
        await store.close()
        return uri.database
    }
}
