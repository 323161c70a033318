import Foundation
import GRDB
public import HookstreamCore
public import Logging
import PostgresNIO
import JSONValue

/// The store over the SQL layer: the embedded SQLite database under the data directory, or a
/// PostgreSQL database that several nodes share (`SQLDatabase` tells them apart; the store's
/// SQL is written once).
///
/// Concurrency model (GRDB's `DatabasePool`, reproduced on PostgreSQL by `PostgresBackend`):
/// one serialized writer and a pool of concurrent readers that never block it. Ingest does not
/// write row by row: `IngestWriter` gathers the events of concurrent requests and hands them to
/// `insertEvents` as one transaction, so one fsync covers many acknowledgements. Every commit
/// is durable before `write` returns (`synchronous = FULL` on SQLite, `synchronous_commit` on
/// PostgreSQL), which is what lets a 2xx promise that the event survives a crash.
public final class SQLStore: Store {
    let database: SQLDatabase
    /// The migrations this open applied (empty when the schema was current).
    public let migrationsApplied: [String]
    /// The last migration this build knows, which the schema is at once opened.
    public var schemaVersion: String { Schema.migrations.last!.name }

    /// Opens (creating it if needed) and migrates the SQLite database at `path`.
    public convenience init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // Every commit syncs the WAL before `write` returns. Set here, on the writer, after
        // the pool exists: the pool turns WAL mode on after preparing the connection and sets
        // `synchronous = NORMAL` with it (commits synced only at checkpoints, so a machine
        // crash could lose acknowledged events), which would override a setting made earlier.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let applied = try Self.migrate(pool)
        self.init(database: SQLDatabase(backing: .grdb(pool)), migrationsApplied: applied)
    }

    /// Connects to and migrates the PostgreSQL database of `uri`, with at most `connections`
    /// connections (one of them the writer).
    ///
    /// - Throws: `StoreError.unavailable` with the reason logged when the server cannot be
    ///   reached, `StoreSchemaError` for a schema from a newer build.
    public static func postgres(_ uri: PostgresURI, connections: Int, logger: Logger) async throws -> SQLStore {
        let backend = PostgresBackend(configuration: try PostgresConnection.Configuration(uri), connections: max(2, connections), logger: logger)
        do {
            let applied = try await backend.withSession { try PostgresSchema.migrate($0) }
            return SQLStore(database: SQLDatabase(backing: .postgres(backend)), migrationsApplied: applied)
        } catch {
            await backend.shutdown()
            throw error
        }
    }

    private init(database: SQLDatabase, migrationsApplied: [String]) {
        self.database = database
        self.migrationsApplied = migrationsApplied
    }

    /// Applies SQLite's pending migrations; refuses a database a newer build has migrated.
    private static func migrate(_ pool: DatabasePool) throws -> [String] {
        var migrator = DatabaseMigrator()
        for migration in Schema.migrations {
            migrator.registerMigration(migration.name) { db in try db.execute(sql: migration.sql) }
        }
        let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
        let unknown = applied.subtracting(Schema.migrations.map(\.name))
        guard unknown.isEmpty else { throw StoreSchemaError.newer(unknown.sorted()) }
        try migrator.migrate(pool)
        return Schema.migrations.map(\.name).filter { !applied.contains($0) }
    }

    /// Whether other nodes may share the database (PostgreSQL): what one node keeps must then
    /// be in the database, not in its data directory.
    public var isShared: Bool {
        if case .postgres = database.backing { return true }
        return false
    }

    /// The destinations that got pending deliveries from any node sharing the database (see
    /// `PostgresSchema.deliveryWakeups`); nil when no other node can add any (SQLite).
    public func deliveryWakeups() -> AsyncStream<String>? {
        notifications(channel: PostgresSchema.deliveryChannel)
    }

    /// Writes SQLite's WAL back into the main database file and lets PostgreSQL's connections
    /// go; called at shutdown.
    public func close() async {
        switch database.backing {
        case .grdb(let pool): _ = try? await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        case .postgres(let backend): await backend.shutdown()
        }
    }

    /// Runs a write, turning "database or disk is full" into ``StoreError/storageFull`` (the
    /// database has rolled the transaction back by then).
    static func reportingFullDisk<T>(_ write: () async throws -> T) async throws -> T {
        do {
            return try await write()
        } catch where SQLFailure(error) == .storageFull {
            throw StoreError.storageFull
        }
    }

    static func isUniqueViolation(_ error: any Error) -> Bool {
        SQLFailure(error) == .uniqueViolation
    }
}

// MARK: - Accounts

extension SQLStore {
    public func bootstrap(bootstrapKey: String?) async throws -> BootstrapResult {
        try await database.write { db in
            let now = Timestamp.millis(Date())
            let org: Organization
            let env: Environment
            if let row = try db.fetchOne("SELECT * FROM organizations ORDER BY id LIMIT 1") {
                org = Self.organization(row)
                let envRow = try db.fetchOne("SELECT * FROM environments WHERE org_id = ? ORDER BY id LIMIT 1", [org.id])!
                env = Self.environment(envRow)
            } else {
                org = Organization(id: ResourceID.make(.organization), name: "Default", createdAt: now)
                env = Environment(id: ResourceID.make(.environment), organizationID: org.id, name: "production", createdAt: now)
                try Self.insert(org, env, db)
            }
            var generated: String?
            let keyCount = try db.fetchValue("SELECT COUNT(*) FROM api_keys WHERE org_id = ?", [org.id]) ?? 0
            let key: String?
            if let bootstrapKey {
                key = bootstrapKey
            } else if keyCount == 0 {
                generated = APIKey.generate(.live)
                key = generated
            } else {
                key = nil
            }
            if let key {
                let hash = APIKey.hash(key)
                let exists = try db.fetchValue("SELECT 1 FROM api_keys WHERE key_hash = ?", [hash]) ?? false
                if !exists {
                    try db.execute(
                        """
                            INSERT INTO api_keys (id, org_id, env_id, user_id, name, key_hash, key_prefix, created_at)
                            VALUES (?, ?, ?, NULL, ?, ?, ?, ?)
                            """,
                        [ResourceID.make(.apiKey), org.id, env.id, "Bootstrap admin key", hash, APIKey.displayPrefix(key), now])
                }
            }
            return BootstrapResult(organization: org, environment: env, generatedKey: generated)
        }
    }

    public func firstSetting(name: String, proposed: String) async throws -> String {
        try await database.write { db in
            try db.execute("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", [name, proposed])
            return try db.fetchValue("SELECT value FROM settings WHERE name = ?", [name]) ?? proposed
        }
    }

    private static func insert(_ org: Organization, _ env: Environment, _ db: SQLConnection) throws {
        try db.execute("INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)", [org.id, org.name, org.createdAt])
        try db.execute(
            "INSERT INTO environments (id, org_id, name, created_at) VALUES (?, ?, ?, ?)",
            [env.id, env.organizationID, env.name, env.createdAt])
    }

    public func createAccount(email: String, passwordHash: String, name: String?) async throws -> (User, Organization, Environment) {
        do {
            return try await database.write { db in
                let now = Timestamp.millis(Date())
                let org = Organization(id: ResourceID.make(.organization), name: name.map { "\($0)'s organization" } ?? email, createdAt: now)
                let env = Environment(id: ResourceID.make(.environment), organizationID: org.id, name: "production", createdAt: now)
                try Self.insert(org, env, db)
                let user = User(id: ResourceID.make(.user), email: email, name: name, organizationID: org.id, environmentID: env.id, createdAt: now)
                try db.execute(
                    "INSERT INTO users (id, email, name, password_hash, org_id, env_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [user.id, user.email, user.name, passwordHash, org.id, env.id, now])
                return (user, org, env)
            }
        } catch where Self.isUniqueViolation(error) {
            throw StoreError.conflict("An account with this email already exists")
        }
    }

    public func credentials(email: String) async throws -> (user: User, passwordHash: String)? {
        try await database.read { db in
            guard let row = try db.fetchOne("SELECT * FROM users WHERE email = ?", [email]) else { return nil }
            return (Self.user(row), row["password_hash"])
        }
    }

    public func organization(id: String) async throws -> Organization? {
        try await database.read { db in
            try db.fetchOne("SELECT * FROM organizations WHERE id = ?", [id]).map(Self.organization)
        }
    }

    public func environment(id: String) async throws -> Environment? {
        try await database.read { db in
            try db.fetchOne("SELECT * FROM environments WHERE id = ?", [id]).map(Self.environment)
        }
    }

    public func createSession(tokenHash: String, userID: String, expiresAt: Int64) async throws {
        try await database.write { db in
            try db.execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                [tokenHash, userID, Timestamp.millis(Date()), expiresAt])
        }
    }

    public func sessionUser(tokenHash: String, now: Int64) async throws -> User? {
        try await database.read { db in
            try db.fetchOne(
                "SELECT users.* FROM sessions JOIN users ON users.id = sessions.user_id WHERE token_hash = ? AND expires_at > ?",
                [tokenHash, now]
            ).map(Self.user)
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await database.write { db in try db.execute("DELETE FROM sessions WHERE token_hash = ?", [tokenHash]) }
    }

    public func createAPIKey(_ record: APIKeyRecord, keyHash: String) async throws {
        try await database.write { db in
            try db.execute(
                """
                    INSERT INTO api_keys (id, org_id, env_id, user_id, name, key_hash, key_prefix, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                [record.id, record.organizationID, record.environmentID, record.userID, record.name, keyHash, record.keyPrefix, record.createdAt])
        }
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        try await database.read { db in
            try db.fetchOne("SELECT * FROM api_keys WHERE key_hash = ? AND revoked = 0", [hash]).map(Self.apiKey)
        }
    }

    public func apiKeys(organizationID: String) async throws -> [APIKeyRecord] {
        try await database.read { db in
            try db.fetchAll("SELECT * FROM api_keys WHERE org_id = ? ORDER BY id DESC", [organizationID], Self.apiKey)
        }
    }

    public func revokeAPIKey(id: String, organizationID: String) async throws {
        try await database.write { db in
            if try db.execute("UPDATE api_keys SET revoked = 1 WHERE id = ? AND org_id = ? AND revoked = 0", [id, organizationID]) == 0 {
                throw StoreError.notFound
            }
        }
    }

    public func recordAPIKeyUsage(_ usage: [String: APIKeyUsage]) async throws {
        guard !usage.isEmpty else { return }
        try await database.write { db in
            let lastUsed = db.dialect.greatest("COALESCE(last_used_at, 0)", "?")
            let statement = try db.cachedStatement("UPDATE api_keys SET request_count = request_count + ?, last_used_at = \(lastUsed) WHERE id = ?")
            for (id, use) in usage { try statement.execute([use.requests, use.lastUsedAt, id]) }
        }
    }

    static func organization(_ row: SQLRow) -> Organization {
        Organization(id: row["id"], name: row["name"], createdAt: row["created_at"])
    }

    static func environment(_ row: SQLRow) -> Environment {
        Environment(id: row["id"], organizationID: row["org_id"], name: row["name"], createdAt: row["created_at"])
    }

    static func user(_ row: SQLRow) -> User {
        User(
            id: row["id"], email: row["email"], name: row["name"], organizationID: row["org_id"], environmentID: row["env_id"],
            createdAt: row["created_at"])
    }

    static func apiKey(_ row: SQLRow) -> APIKeyRecord {
        APIKeyRecord(
            id: row["id"], organizationID: row["org_id"], environmentID: row["env_id"], userID: row["user_id"], name: row["name"],
            keyPrefix: row["key_prefix"], requestCount: row["request_count"], revoked: (row["revoked"] as Int64) != 0,
            createdAt: row["created_at"], lastUsedAt: row["last_used_at"])
    }
}
