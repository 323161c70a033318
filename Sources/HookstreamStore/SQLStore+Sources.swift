import Foundation
public import HookstreamCore
import JSONValue

extension SQLStore {
    public func createSource(_ source: Source) async throws {
        try await createSource(source) { _ in }
    }

    /// Inserts the source row, and what `also` writes, in one transaction.
    func createSource(_ source: Source, also: @escaping @Sendable (SQLConnection) throws -> Void) async throws {
        do {
            try await database.write { db in
                try Self.insertSource(source, db)
                try also(db)
            }
        } catch where Self.isUniqueViolation(error) {
            throw StoreError.conflict("A source with the slug '\(source.slug)' already exists")
        }
    }

    static func insertSource(_ source: Source, _ db: SQLConnection) throws {
        try db.execute(
            """
                INSERT INTO sources (id, org_id, env_id, name, slug, status, template, verification_type,
                    verification_header, verification_secret, previous_secret, previous_secret_expires_at,
                    dedup_strategy, dedup_field, dedup_window_seconds, ip_allowlist, ip_denylist,
                    schema_validation_enabled, json_schema, schema_action, event_count, created_at, updated_at, type)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
                """,
            [source.id, source.tenant.organizationID, source.tenant.environmentID] + Self.columns(source)
                + [source.createdAt, source.updatedAt, source.kind.rawValue])
    }

    public func source(id: String) async throws -> Source? {
        try await database.read { db in
            try db.fetchOne("SELECT * FROM sources WHERE id = ? AND deleted_at IS NULL", [id]).map(Self.source)
        }
    }

    public func source(id: String, tenant: Tenant) async throws -> Source? {
        try await database.read { db in
            try db.fetchOne(
                "SELECT * FROM sources WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL",
                [id, tenant.organizationID, tenant.environmentID]
            ).map(Self.source)
        }
    }

    public func sources(tenant: Tenant, status: Source.Status?, beforeID: String?, limit: Int) async throws -> Page<Source> {
        try await database.read { db in
            try Self.livePage(db, table: "sources", tenant: tenant, equal: [("status", status?.rawValue)], beforeID: beforeID, limit: limit, row: Self.source)
        }
    }

    public func updateSource(_ source: Source) async throws {
        do {
            try await database.write { db in
                let updated = try db.execute(
                    """
                        UPDATE sources SET name = ?, slug = ?, status = ?, template = ?, verification_type = ?,
                            verification_header = ?, verification_secret = ?, previous_secret = ?,
                            previous_secret_expires_at = ?, dedup_strategy = ?, dedup_field = ?, dedup_window_seconds = ?,
                            ip_allowlist = ?, ip_denylist = ?, schema_validation_enabled = ?, json_schema = ?,
                            schema_action = ?, updated_at = ?
                        WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL
                        """,
                    Self.columns(source)
                        + [source.updatedAt, source.id, source.tenant.organizationID, source.tenant.environmentID])
                if updated == 0 { throw StoreError.notFound }
            }
        } catch where Self.isUniqueViolation(error) {
            throw StoreError.conflict("A source with the slug '\(source.slug)' already exists")
        }
    }

    public func deleteSource(id: String, tenant: Tenant, at: Int64) async throws {
        try await database.write { db in
            let deleted = try db.execute(
                "UPDATE sources SET deleted_at = ? WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL",
                [at, id, tenant.organizationID, tenant.environmentID])
            if deleted == 0 { throw StoreError.notFound }
            // Nothing will ever release a deleted source's held events: they stay as received.
            try db.execute("UPDATE events SET status = \(Event.Status.received.sqlLiteral) WHERE source_id = ? AND status = \(Event.Status.held.sqlLiteral)", [id])
        }
    }

    /// The mutable columns, in the order both INSERT and UPDATE name them.
    private static func columns(_ s: Source) -> SQLArguments {
        [
            s.name, s.slug, s.status.rawValue, s.template, s.verificationType, s.verificationHeader, s.sealedSecret,
            s.sealedPreviousSecret, s.previousSecretExpiresAt, s.dedupStrategy, s.dedupField, s.dedupWindowSeconds,
            s.ipAllowlist.map(jsonText), s.ipDenylist.map(jsonText), s.schemaValidationEnabled ? 1 : 0,
            s.jsonSchema.map { $0.serialized() }, s.schemaAction,
        ]
    }

    private static func jsonText(_ list: [String]) -> String { JSON.array(list.map(JSON.string)).serialized() }

    private static func stringList(_ text: String?) -> [String]? {
        guard let text, let value = try? JSON(parsing: text), let array = value.arrayValue else { return nil }
        return array.compactMap(\.stringValue)
    }

    static func source(_ row: SQLRow) -> Source {
        var source = Source(
            id: row["id"], tenant: Tenant(organizationID: row["org_id"], environmentID: row["env_id"]),
            kind: Source.Kind(rawValue: row["type"]) ?? .webhook, name: row["name"],
            slug: row["slug"], status: Source.Status(rawValue: row["status"]) ?? .active, template: row["template"], verificationType: row["verification_type"],
            verificationHeader: row["verification_header"], sealedSecret: row["verification_secret"],
            sealedPreviousSecret: row["previous_secret"], previousSecretExpiresAt: row["previous_secret_expires_at"],
            dedupStrategy: row["dedup_strategy"], dedupField: row["dedup_field"], dedupWindowSeconds: row["dedup_window_seconds"],
            ipAllowlist: stringList(row["ip_allowlist"]), ipDenylist: stringList(row["ip_denylist"]),
            schemaValidationEnabled: (row["schema_validation_enabled"] as Int64) != 0,
            jsonSchema: (row["json_schema"] as String?).flatMap { try? JSON(parsing: $0) }, schemaAction: row["schema_action"],
            eventCount: row["event_count"], createdAt: row["created_at"], updatedAt: row["updated_at"])
        source.collectionCount = row["collection_count"] ?? 0
        return source
    }

    /// One newest-first page of a table's live (not deleted) rows in `tenant`, filtered by the
    /// given columns where a value is set.
    static func livePage<T>(
        _ db: SQLConnection, table: String, tenant: Tenant, equal filters: [(column: String, value: String?)], beforeID: String?, limit: Int,
        row: (SQLRow) -> T
    ) throws -> Page<T> where T: Identified {
        var sql = "SELECT * FROM \(table) WHERE org_id = ? AND env_id = ? AND deleted_at IS NULL"
        var arguments: SQLArguments = [tenant.organizationID, tenant.environmentID]
        for (column, value) in filters {
            if let value {
                sql += " AND \(column) = ?"
                arguments += [value]
            }
        }
        if let beforeID {
            sql += " AND id < ?"
            arguments += [beforeID]
        }
        sql += " ORDER BY id DESC LIMIT ?"
        arguments += [limit + 1]
        return page(try db.fetchAll(sql, arguments, row), limit: limit, id: \.id)
    }

    /// Turns `limit + 1` fetched rows into a page: the extra row only says there is more.
    static func page<T>(_ rows: [T], limit: Int, id: (T) -> String, total: Int? = nil) -> Page<T> {
        let hasMore = rows.count > limit
        let items = Array(rows.prefix(limit))
        return Page(items: items, hasMore: hasMore, nextAfterID: hasMore ? items.last.map(id) : nil, total: total)
    }
}

/// Rows listed by `livePage` have a string `id`.
protocol Identified { var id: String { get } }
extension Source: Identified {}
extension Destination: Identified {}
