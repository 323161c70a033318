public import HookstreamCore
public import Logging
import PostgresNIO

/// What the API does to a captured database besides capturing: read the facts
/// ``CaptureRequirements`` judges, create and drop the source's publication and slot, edit the
/// publication's tables, list tables and measure the slot's lag. Each call opens its own short
/// connection: these are rare, user-driven operations.
public struct CaptureSetup: Sendable {
    public let uri: PostgresURI
    public let logger: Logger

    public init(uri: PostgresURI, logger: Logger) {
        self.uri = uri
        self.logger = logger
    }

    /// A table of the database and whether the source's publication captures it.
    public struct DiscoveredTable: Sendable, Equatable {
        public var table: CaptureRequirements.Table
        public var captured: Bool
    }

    /// The tables the source would capture, after ``CaptureRequirements/check(_:requested:)``.
    /// - Throws: ``CaptureRequirements/Problems`` when the database is not ready, or the
    ///   connection's error.
    public func validate(requested: [CaptureRequirements.TableName]?) async throws -> [CaptureRequirements.Table] {
        try await withConnection { db in
            try CaptureRequirements.check(try await facts(db), requested: requested).get()
        }
    }

    /// Creates the publication for `tables`, then the slot: the slot's start is where capture
    /// begins, so every change committed after create returns is captured.
    public func createReplication(name: String, tables: [CaptureRequirements.Table]) async throws {
        try await withConnection { db in
            try await run("CREATE PUBLICATION \(name) FOR TABLE \(tables.map(\.name.quoted).joined(separator: ", "))", on: db)
            do {
                try await db.perform("SELECT pg_create_logical_replication_slot(\(name), 'pgoutput')::text", logger: logger)
            } catch {
                // No half-made source: the publication goes with the failed slot.
                try? await run("DROP PUBLICATION IF EXISTS \(name)", on: db)
                throw error
            }
        }
    }

    /// Makes the publication capture exactly `tables` from the next transaction on.
    public func setTables(publication: String, tables: [CaptureRequirements.Table]) async throws {
        try await withConnection { db in
            try await run("ALTER PUBLICATION \(publication) SET TABLE \(tables.map(\.name.quoted).joined(separator: ", "))", on: db)
        }
    }

    /// Drops the slot (so it retains no WAL) and the publication; either may already be gone.
    /// A slot still held by a capture connection that is closing is retried for a few seconds.
    public func dropReplication(slot: String, publication: String) async throws {
        try await withConnection { db in
            var attempt = 0
            while true {
                do {
                    try await db.perform(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = \(slot)", logger: logger)
                    break
                } catch {
                    attempt += 1
                    // 55006 object_in_use: the slot is active for a moment longer.
                    guard attempt < 50, (error as? PSQLError)?.serverInfo?[.sqlState] == "55006" else { throw error }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            try await run("DROP PUBLICATION IF EXISTS \(publication)", on: db)
        }
    }

    /// Every ordinary table in non-system schemas, with whether `publication` captures it.
    public func discoverTables(publication: String) async throws -> [DiscoveredTable] {
        try await withConnection { db in
            let captured = try await publishedTables(publication, on: db)
            return try await tables(db).map { DiscoveredTable(table: $0, captured: captured.contains($0.name)) }
        }
    }

    /// How many bytes of WAL the slot keeps from being recycled (`nil`: the slot is gone).
    public func slotLagBytes(slot: String) async throws -> Int64? {
        try await withConnection { db in
            let rows = try await db.guardedQuery(
                """
                SELECT coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn), 0)::int8
                FROM pg_replication_slots WHERE slot_name = \(slot)
                """, logger: logger)
            for try await lag in rows.decode(Int64.self) { return lag }
            return nil
        }
    }

    /// The tables the publication still has (PostgreSQL removes a dropped table from it).
    public func publishedTables(publication: String) async throws -> Set<CaptureRequirements.TableName> {
        try await withConnection { db in try await publishedTables(publication, on: db) }
    }

    func facts(_ db: PostgresConnection) async throws -> CaptureRequirements.Facts {
        let rows = try await db.guardedQuery(
            """
            SELECT current_user::text, current_setting('wal_level')::text, r.rolsuper, r.rolreplication,
              current_setting('max_replication_slots')::int8, (SELECT count(*) FROM pg_replication_slots)::int8
            FROM pg_roles r WHERE r.rolname = current_user
            """, logger: logger)
        for try await (role, walLevel, superuser, replication, maxSlots, slots) in rows.decode((String, String, Bool, Bool, Int64, Int64).self) {
            return CaptureRequirements.Facts(
                role: role, walLevel: walLevel, superuser: superuser, replication: replication, maxReplicationSlots: Int(maxSlots),
                slotsInUse: Int(slots), tables: try await tables(db))
        }
        throw CaptureRequirements.Problems(messages: ["the connecting role is not visible in pg_roles"])
    }

    private func tables(_ db: PostgresConnection) async throws -> [CaptureRequirements.Table] {
        let rows = try await db.guardedQuery(
            """
            SELECT n.nspname::text, c.relname::text,
              EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p'),
              c.relreplident::text, pg_has_role(c.relowner, 'USAGE'), has_table_privilege(c.oid, 'SELECT')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
            ORDER BY 1, 2
            """, logger: logger)
        var out: [CaptureRequirements.Table] = []
        for try await (schema, name, primaryKey, identity, owned, readable) in rows.decode((String, String, Bool, String, Bool, Bool).self) {
            out.append(
                .init(
                    name: .init(schema: schema, name: name), hasPrimaryKey: primaryKey, replicaIdentity: identity.first ?? "d", owned: owned,
                    readable: readable))
        }
        return out
    }

    private func publishedTables(_ publication: String, on db: PostgresConnection) async throws -> Set<CaptureRequirements.TableName> {
        let rows = try await db.guardedQuery(
            "SELECT schemaname::text, tablename::text FROM pg_publication_tables WHERE pubname = \(publication)", logger: logger)
        var out = Set<CaptureRequirements.TableName>()
        for try await (schema, name) in rows.decode((String, String).self) { out.insert(.init(schema: schema, name: name)) }
        return out
    }

    /// DDL with identifiers hookstream made itself (`hookstream_<hex>`) or quoted table names.
    private func run(_ sql: String, on db: PostgresConnection) async throws {
        try await db.perform(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    private func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let db = try await CaptureConnection.open(uri, logger: logger)
        do {
            let result = try await body(db)
            CaptureConnection.release(db)
            return result
        } catch {
            CaptureConnection.release(db)
            throw error
        }
    }

    /// An error in words for a 400 or `last_error`: the server's own message for a PostgreSQL
    /// error, what failed for a connection that could not be made.
    public static func describe(_ error: any Error) -> String {
        if let problems = error as? CaptureRequirements.Problems { return problems.description }
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            // No words from the server: the connection failed or broke; say how.
            return "could not reach the database (\(psql.code)\(psql.underlying.map { ": \($0)" } ?? ""))"
        }
        return "\(error)"
    }
}
