import Foundation
public import HookstreamCore
import JSONValue

extension SQLStore {
    public func createDestination(_ d: Destination) async throws {
        do {
            try await database.write { db in
                try db.execute(
                    """
                        INSERT INTO destinations (id, org_id, env_id, name, slug, type, url, method, headers, timeout_seconds,
                            signing_config, provider_config, retry_policy, status, max_concurrency, follow_redirects, circuit, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    [d.id, d.tenant.organizationID, d.tenant.environmentID] + (try Self.columns(d))
                        + [Self.encode(d.circuit), d.createdAt, d.updatedAt])
            }
        } catch where Self.isUniqueViolation(error) {
            throw StoreError.conflict("A destination with the slug '\(d.slug)' already exists")
        }
    }

    public func destination(id: String, tenant: Tenant) async throws -> Destination? {
        try await database.read { db in
            try db.fetchOne(
                "SELECT * FROM destinations WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL",
                [id, tenant.organizationID, tenant.environmentID]
            ).map(Self.destination)
        }
    }

    public func destinations(tenant: Tenant, status: Destination.Status?, type: String?, beforeID: String?, limit: Int) async throws -> Page<Destination> {
        try await database.read { db in
            try Self.livePage(
                db, table: "destinations", tenant: tenant, equal: [("status", status?.rawValue), ("type", type)], beforeID: beforeID, limit: limit,
                row: Self.destination)
        }
    }

    public func updateDestination(_ d: Destination) async throws {
        do {
            try await database.write { db in
                let updated = try db.execute(
                    """
                        UPDATE destinations SET name = ?, slug = ?, type = ?, url = ?, method = ?, headers = ?, timeout_seconds = ?,
                            signing_config = ?, provider_config = ?, retry_policy = ?, status = ?, max_concurrency = ?,
                            follow_redirects = ?, updated_at = ?
                        WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL
                        """,
                    try Self.columns(d) + [d.updatedAt, d.id, d.tenant.organizationID, d.tenant.environmentID])
                if updated == 0 { throw StoreError.notFound }
            }
        } catch where Self.isUniqueViolation(error) {
            throw StoreError.conflict("A destination with the slug '\(d.slug)' already exists")
        }
    }

    public func deleteDestination(id: String, tenant: Tenant, at: Int64) async throws {
        try await database.write { db in
            let deleted = try db.execute(
                "UPDATE destinations SET deleted_at = ? WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL",
                [at, id, tenant.organizationID, tenant.environmentID])
            if deleted == 0 { throw StoreError.notFound }
            try Self.cancelPending(db, destinationID: id, at: at)
        }
    }

    /// The mutable columns, in the order both INSERT and UPDATE name them.
    private static func columns(_ d: Destination) throws -> SQLArguments {
        [
            d.name, d.slug, d.type, d.url, d.method, d.sealedHeaders, d.timeoutSeconds, d.sealedSigningConfig,
            d.providerConfig.map { $0.serialized() }, try encode(d.retry), d.status.rawValue, d.maxConcurrency,
            d.followRedirects,
        ]
    }

    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        text.flatMap { try? JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }

    static func destination(_ row: SQLRow) -> Destination {
        Destination(
            id: row["id"], tenant: Tenant(organizationID: row["org_id"], environmentID: row["env_id"]), name: row["name"],
            slug: row["slug"], type: row["type"], url: row["url"], method: row["method"], sealedHeaders: row["headers"],
            timeoutSeconds: row["timeout_seconds"], followRedirects: row["follow_redirects"], sealedSigningConfig: row["signing_config"],
            providerConfig: (row["provider_config"] as String?).flatMap { try? JSON(parsing: $0) },
            retry: decode(RetryPolicy.self, row["retry_policy"]) ?? .default, status: Destination.Status(rawValue: row["status"]) ?? .active,
            maxConcurrency: row["max_concurrency"], circuit: decode(CircuitBreaker.self, row["circuit"]) ?? CircuitBreaker(),
            deliveryCount: row["delivery_count"], createdAt: row["created_at"], updatedAt: row["updated_at"])
    }
}
