import Foundation
public import HookstreamCore
import JSONValue

/// The attempt log as the API reads it, and manual retries.
extension SQLStore {
    static let attemptSelect = """
        SELECT delivery_attempts.*, destinations.name AS destination_name FROM delivery_attempts
        LEFT JOIN destinations ON destinations.id = delivery_attempts.destination_id
        """

    public func deliveryAttempts(tenant: Tenant, query: AttemptQuery) async throws -> OffsetPage<StoredAttempt> {
        try await database.read { db in
            var conditions = ["delivery_attempts.org_id = ?", "delivery_attempts.env_id = ?"]
            var arguments: SQLArguments = [tenant.organizationID, tenant.environmentID]
            for (column, value) in [
                ("event_id", query.eventID), ("connection_id", query.connectionID), ("destination_id", query.destinationID),
                ("status", query.status?.rawValue),
            ] {
                if let value {
                    conditions.append("delivery_attempts.\(column) = ?")
                    arguments += [value]
                }
            }
            if let isDLQ = query.isDLQ {
                conditions.append("delivery_attempts.is_dlq = ?")
                arguments += [isDLQ ? 1 : 0]
            }
            let filter = conditions.joined(separator: " AND ")
            let total = try db.fetchValue("SELECT COUNT(*) FROM delivery_attempts WHERE \(filter)", arguments) ?? 0
            let items = try db.fetchAll(
                Self.attemptSelect + " WHERE \(filter) ORDER BY delivery_attempts.id DESC LIMIT ? OFFSET ?", arguments + [query.limit, query.offset],
                Self.storedAttempt)
            return OffsetPage(items: items, total: total, limit: query.limit, offset: query.offset)
        }
    }

    public func deliveryAttempt(id: String, tenant: Tenant) async throws -> StoredAttempt? {
        try await database.read { db in
            try db.fetchOne(
                Self.attemptSelect + " WHERE delivery_attempts.id = ? AND delivery_attempts.org_id = ? AND delivery_attempts.env_id = ?",
                [id, tenant.organizationID, tenant.environmentID]
            ).map(Self.storedAttempt)
        }
    }

    public func retryAttempt(id: String, tenant: Tenant, now: Int64) async throws -> DeliveryAttempt {
        try await database.write { db in
            guard
                let original = try db.fetchOne(
                    "SELECT * FROM delivery_attempts WHERE id = ? AND org_id = ? AND env_id = ?", [id, tenant.organizationID, tenant.environmentID]
                ).map(Self.attempt)
            else { throw StoreError.notFound }
            guard original.status == .failed else {
                throw StoreError.conflict("Only failed attempts can be retried; this one is \(original.status.rawValue)")
            }
            let route = original.connectionID.map { Route(connectionID: $0, destinationID: original.destinationID) }
            guard let queued = try Self.queue(db, eventID: original.eventID, tenant: tenant, route: route, destinationID: original.destinationID, now: now) else {
                throw StoreError.conflict("The attempt's destination was deleted")
            }
            return queued
        }
    }

    public func requeueEvent(id: String, tenant: Tenant, routes: [Route], now: Int64) async throws -> [DeliveryAttempt?] {
        try await database.write { db in
            let exists: Bool? = try db.fetchValue(
                "SELECT 1 FROM events WHERE id = ? AND org_id = ? AND env_id = ?", [id, tenant.organizationID, tenant.environmentID])
            guard exists == true else { throw StoreError.notFound }
            return try routes.map { try Self.queue(db, eventID: id, tenant: tenant, route: $0, destinationID: $0.destinationID, now: now) }
        }
    }

    /// Queues one delivery of an event to a destination now: the chain's pending attempt moves
    /// to now if there is one, otherwise a new chain starts at attempt 1. `nil` when the
    /// destination is gone.
    static func queue(_ db: SQLConnection, eventID: String, tenant: Tenant, route: Route?, destinationID: String, now: Int64) throws -> DeliveryAttempt? {
        guard try isLiveDestination(db, destinationID) else { return nil }
        let pending = try db.fetchOne(
            """
            SELECT * FROM delivery_attempts WHERE event_id = ? AND destination_id = ? AND connection_id IS NOT DISTINCT FROM ?
              AND status = 'pending'
            ORDER BY id DESC LIMIT 1
            """,
            [eventID, destinationID, route?.connectionID]
        ).map(attempt)
        if var pending {
            pending.scheduledAt = min(pending.scheduledAt, now)
            try db.execute("UPDATE delivery_attempts SET scheduled_at = ? WHERE id = ?", [pending.scheduledAt, pending.id])
            return pending
        }
        let fresh = DeliveryAttempt(
            id: ResourceID.make(.deliveryAttempt), tenant: tenant, eventID: eventID, connectionID: route?.connectionID,
            destinationID: destinationID, scheduledAt: now, createdAt: now)
        try insertAttempt(db, fresh)
        try refreshEventStatuses(db, eventIDs: [eventID])
        return fresh
    }

    static func storedAttempt(_ row: SQLRow) -> StoredAttempt {
        StoredAttempt(attempt: attempt(row), destinationName: row["destination_name"])
    }
}
