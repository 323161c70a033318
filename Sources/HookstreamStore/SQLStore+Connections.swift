import Foundation
public import HookstreamCore
import JSONValue

extension SQLStore {
    static let connectionSelect = """
        SELECT connections.*, sources.name AS source_name, destinations.name AS destination_name FROM connections
        LEFT JOIN sources ON sources.id = connections.source_id AND sources.deleted_at IS NULL
        LEFT JOIN destinations ON destinations.id = connections.destination_id AND destinations.deleted_at IS NULL
        """

    public func createConnection(_ c: Connection) async throws {
        try await database.write { db in
            try db.execute(
                """
                    INSERT INTO connections (id, org_id, env_id, name, source_id, destination_id, filter_rules, transform_expression,
                        transform_enabled, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                [
                    c.id, c.tenant.organizationID, c.tenant.environmentID, c.name, c.sourceID, c.destinationID,
                    c.filterRules.json.serialized(), c.transformExpression, c.transformEnabled ? 1 : 0, c.createdAt, c.updatedAt,
                ])
        }
    }

    public func connection(id: String, tenant: Tenant) async throws -> StoredConnection? {
        try await database.read { db in
            try db.fetchOne(
                Self.connectionSelect + " WHERE connections.id = ? AND connections.org_id = ? AND connections.env_id = ? AND connections.deleted_at IS NULL",
                [id, tenant.organizationID, tenant.environmentID]
            ).map(Self.storedConnection)
        }
    }

    public func connections(tenant: Tenant, sourceID: String?, destinationID: String?, beforeID: String?, limit: Int) async throws -> Page<StoredConnection> {
        try await database.read { db in
            var sql = Self.connectionSelect + " WHERE connections.org_id = ? AND connections.env_id = ? AND connections.deleted_at IS NULL"
            var arguments: SQLArguments = [tenant.organizationID, tenant.environmentID]
            for (column, value) in [("connections.source_id", sourceID), ("connections.destination_id", destinationID), ("connections.id <", beforeID)] {
                if let value {
                    sql += column.hasSuffix("<") ? " AND \(column) ?" : " AND \(column) = ?"
                    arguments += [value]
                }
            }
            sql += " ORDER BY connections.id DESC LIMIT ?"
            arguments += [limit + 1]
            return Self.page(try db.fetchAll(sql, arguments, Self.storedConnection), limit: limit, id: \.connection.id)
        }
    }

    public func updateConnection(_ c: Connection) async throws {
        try await database.write { db in
            let updated = try db.execute(
                """
                    UPDATE connections SET name = ?, source_id = ?, destination_id = ?, filter_rules = ?, transform_expression = ?,
                        transform_enabled = ?, updated_at = ?
                    WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL
                    """,
                [
                    c.name, c.sourceID, c.destinationID, c.filterRules.json.serialized(), c.transformExpression, c.transformEnabled ? 1 : 0,
                    c.updatedAt, c.id, c.tenant.organizationID, c.tenant.environmentID,
                ])
            if updated == 0 { throw StoreError.notFound }
        }
    }

    public func deleteConnection(id: String, tenant: Tenant, at: Int64) async throws {
        try await database.write { db in
            let deleted = try db.execute(
                "UPDATE connections SET deleted_at = ? WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL",
                [at, id, tenant.organizationID, tenant.environmentID])
            if deleted == 0 { throw StoreError.notFound }
        }
    }

    public func activeConnections(sourceID: String) async throws -> [Connection] {
        try await database.read { db in
            try db.fetchAll(
                Self.connectionSelect + " WHERE connections.source_id = ? AND connections.deleted_at IS NULL ORDER BY connections.id", [sourceID]
            ) { Self.storedConnection($0).connection }
        }
    }

    static func storedConnection(_ row: SQLRow) -> StoredConnection {
        let rules = (row["filter_rules"] as String?).flatMap { try? JSON(parsing: $0) }.flatMap { try? FilterRuleSet(json: $0) } ?? .matchAll
        let connection = Connection(
            id: row["id"], tenant: Tenant(organizationID: row["org_id"], environmentID: row["env_id"]), name: row["name"],
            sourceID: row["source_id"], destinationID: row["destination_id"], filterRules: rules,
            transformExpression: row["transform_expression"], transformEnabled: (row["transform_enabled"] as Int64) != 0,
            createdAt: row["created_at"], updatedAt: row["updated_at"])
        return StoredConnection(connection: connection, sourceName: row["source_name"], destinationName: row["destination_name"])
    }
}
