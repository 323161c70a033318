import Foundation
import GRDB
public import HookstreamCore
import JSONValue

/// The embedded store: one SQLite database in WAL mode under the data directory.
///
/// Concurrency model (GRDB's `DatabasePool`): one serialized writer and a pool of concurrent
/// readers that never block it. Ingest does not write row by row: `IngestWriter` gathers the
/// events of concurrent requests and hands them to `insertEvents` as one transaction, so one
/// fsync covers many acknowledgements. `synchronous = FULL` makes every commit durable before
/// `write` returns, which is what lets a 2xx promise that the event survives a crash.
public final class SQLiteStore: Store {
    let pool: DatabasePool
    /// Which sources feed collections (see `CollectionIndex`).
    let collectionIndex = CollectionIndex()

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try migrate()
        try pool.read { db in try Self.loadCollectionIndex(db, into: collectionIndex) }
    }

    private func migrate() throws {
        var migrator = DatabaseMigrator()
        for migration in Schema.migrations {
            migrator.registerMigration(migration.name) { db in try db.execute(sql: migration.sql) }
        }
        try migrator.migrate(pool)
    }

    /// Writes the WAL back into the main database file; called at shutdown.
    public func checkpoint() throws {
        _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }

    /// Runs a write, turning SQLite's "database or disk is full" into ``StoreError/storageFull``
    /// (SQLite has rolled the transaction back by then).
    static func reportingFullDisk<T>(_ write: () async throws -> T) async throws -> T {
        do {
            return try await write()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            throw StoreError.storageFull
        }
    }

    static func isUniqueViolation(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
    }
}

// MARK: - Accounts

extension SQLiteStore {
    public func bootstrap(bootstrapKey: String?) async throws -> BootstrapResult {
        try await pool.write { db in
            let now = Timestamp.millis(Date())
            let org: Organization
            let env: Environment
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM organizations ORDER BY id LIMIT 1") {
                org = Self.organization(row)
                let envRow = try Row.fetchOne(db, sql: "SELECT * FROM environments WHERE org_id = ? ORDER BY id LIMIT 1", arguments: [org.id])!
                env = Self.environment(envRow)
            } else {
                org = Organization(id: ResourceID.make(.organization), name: "Default", createdAt: now)
                env = Environment(id: ResourceID.make(.environment), organizationID: org.id, name: "production", createdAt: now)
                try Self.insert(org, env, db)
            }
            var generated: String?
            let keyCount = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM api_keys WHERE org_id = ?", arguments: [org.id]) ?? 0
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
                let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM api_keys WHERE key_hash = ?", arguments: [hash]) ?? false
                if !exists {
                    try db.execute(
                        sql: """
                            INSERT INTO api_keys (id, org_id, env_id, user_id, name, key_hash, key_prefix, created_at)
                            VALUES (?, ?, ?, NULL, ?, ?, ?, ?)
                            """,
                        arguments: [ResourceID.make(.apiKey), org.id, env.id, "Bootstrap admin key", hash, APIKey.displayPrefix(key), now])
                }
            }
            return BootstrapResult(organization: org, environment: env, generatedKey: generated)
        }
    }

    private static func insert(_ org: Organization, _ env: Environment, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)", arguments: [org.id, org.name, org.createdAt])
        try db.execute(
            sql: "INSERT INTO environments (id, org_id, name, created_at) VALUES (?, ?, ?, ?)",
            arguments: [env.id, env.organizationID, env.name, env.createdAt])
    }

    public func createAccount(email: String, passwordHash: String, name: String?) async throws -> (User, Organization, Environment) {
        do {
            return try await pool.write { db in
                let now = Timestamp.millis(Date())
                let org = Organization(id: ResourceID.make(.organization), name: name.map { "\($0)'s organization" } ?? email, createdAt: now)
                let env = Environment(id: ResourceID.make(.environment), organizationID: org.id, name: "production", createdAt: now)
                try Self.insert(org, env, db)
                let user = User(id: ResourceID.make(.user), email: email, name: name, organizationID: org.id, environmentID: env.id, createdAt: now)
                try db.execute(
                    sql: "INSERT INTO users (id, email, name, password_hash, org_id, env_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [user.id, user.email, user.name, passwordHash, org.id, env.id, now])
                return (user, org, env)
            }
        } catch where Self.isUniqueViolation(error) {
            throw StoreError.conflict("An account with this email already exists")
        }
    }

    public func credentials(email: String) async throws -> (user: User, passwordHash: String)? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM users WHERE email = ?", arguments: [email]) else { return nil }
            return (Self.user(row), row["password_hash"])
        }
    }

    public func organization(id: String) async throws -> Organization? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM organizations WHERE id = ?", arguments: [id]).map(Self.organization)
        }
    }

    public func environment(id: String) async throws -> Environment? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM environments WHERE id = ?", arguments: [id]).map(Self.environment)
        }
    }

    public func createSession(tokenHash: String, userID: String, expiresAt: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [tokenHash, userID, Timestamp.millis(Date()), expiresAt])
        }
    }

    public func sessionUser(tokenHash: String, now: Int64) async throws -> User? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT users.* FROM sessions JOIN users ON users.id = sessions.user_id WHERE token_hash = ? AND expires_at > ?",
                arguments: [tokenHash, now]
            ).map(Self.user)
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM sessions WHERE token_hash = ?", arguments: [tokenHash]) }
    }

    public func createAPIKey(_ record: APIKeyRecord, keyHash: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO api_keys (id, org_id, env_id, user_id, name, key_hash, key_prefix, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [record.id, record.organizationID, record.environmentID, record.userID, record.name, keyHash, record.keyPrefix, record.createdAt])
        }
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE key_hash = ? AND revoked = 0", arguments: [hash]).map(Self.apiKey)
        }
    }

    public func apiKeys(organizationID: String) async throws -> [APIKeyRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_keys WHERE org_id = ? ORDER BY id DESC", arguments: [organizationID]).map(Self.apiKey)
        }
    }

    public func revokeAPIKey(id: String, organizationID: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE api_keys SET revoked = 1 WHERE id = ? AND org_id = ? AND revoked = 0", arguments: [id, organizationID])
            if db.changesCount == 0 { throw StoreError.notFound }
        }
    }

    public func recordAPIKeyUsage(_ usage: [String: APIKeyUsage]) async throws {
        guard !usage.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: "UPDATE api_keys SET request_count = request_count + ?, last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?")
            for (id, use) in usage { try statement.execute(arguments: [use.requests, use.lastUsedAt, id]) }
        }
    }

    static func organization(_ row: Row) -> Organization {
        Organization(id: row["id"], name: row["name"], createdAt: row["created_at"])
    }

    static func environment(_ row: Row) -> Environment {
        Environment(id: row["id"], organizationID: row["org_id"], name: row["name"], createdAt: row["created_at"])
    }

    static func user(_ row: Row) -> User {
        User(
            id: row["id"], email: row["email"], name: row["name"], organizationID: row["org_id"], environmentID: row["env_id"],
            createdAt: row["created_at"])
    }

    static func apiKey(_ row: Row) -> APIKeyRecord {
        APIKeyRecord(
            id: row["id"], organizationID: row["org_id"], environmentID: row["env_id"], userID: row["user_id"], name: row["name"],
            keyPrefix: row["key_prefix"], requestCount: row["request_count"], revoked: (row["revoked"] as Int64) != 0,
            createdAt: row["created_at"], lastUsedAt: row["last_used_at"])
    }
}
