import Foundation
public import HookstreamCore
import JSONValue

extension SQLStore {
    static let issueSelect = """
        SELECT issues.*, destinations.name AS destination_name FROM issues
        LEFT JOIN destinations ON destinations.id = issues.destination_id
        """

    public func issues(tenant: Tenant, query: IssueQuery) async throws -> OffsetPage<StoredIssue> {
        try await database.read { db in
            var conditions = ["issues.org_id = ?", "issues.env_id = ?"]
            var arguments: SQLArguments = [tenant.organizationID, tenant.environmentID]
            for (column, value) in [("status", query.status?.rawValue), ("destination_id", query.destinationID), ("error_type", query.errorType)] {
                if let value {
                    conditions.append("issues.\(column) = ?")
                    arguments += [value]
                }
            }
            let filter = conditions.joined(separator: " AND ")
            let total = try db.fetchValue("SELECT COUNT(*) FROM issues WHERE \(filter)", arguments) ?? 0
            let items = try db.fetchAll(
                Self.issueSelect + " WHERE \(filter) ORDER BY issues.last_seen_at DESC, issues.id DESC LIMIT ? OFFSET ?",
                arguments + [query.limit, query.offset], Self.storedIssue)
            return OffsetPage(items: items, total: total, limit: query.limit, offset: query.offset)
        }
    }

    public func issue(id: String, tenant: Tenant) async throws -> StoredIssue? {
        try await database.read { db in try Self.issue(db, id: id, tenant: tenant) }
    }

    /// One issue with its detail: affected resources and timeline.
    private static func issue(_ db: SQLConnection, id: String, tenant: Tenant) throws -> StoredIssue? {
        guard
            var stored = try db.fetchOne(
                issueSelect + " WHERE issues.id = ? AND issues.org_id = ? AND issues.env_id = ?", [id, tenant.organizationID, tenant.environmentID]
            ).map(storedIssue)
        else { return nil }
        var sourceIDs: [String] = []
        var connectionIDs: [String] = []
        let recent = stored.issue.recentAttemptIDs
        if !recent.isEmpty {
            try db.forEach(
                """
                SELECT e.source_id, a.connection_id FROM delivery_attempts a JOIN events e ON e.id = a.event_id
                WHERE a.id IN (\(placeholders(recent.count))) ORDER BY a.id DESC
                """,
                SQLArguments(recent)
            ) { row in
                if let source: String = row["source_id"], !sourceIDs.contains(source) { sourceIDs.append(source) }
                if let connection: String = row["connection_id"], !connectionIDs.contains(connection) { connectionIDs.append(connection) }
            }
        }
        let timeline = try db.fetchAll("SELECT at, kind, message FROM issue_timeline WHERE issue_id = ? ORDER BY at", [id]) { row in
            IssueTimelineEntry.Kind(rawValue: row["kind"]).map { IssueTimelineEntry(at: row["at"], kind: $0, message: row["message"]) }
        }.compactMap { $0 }
        stored.detail = IssueDetail(sourceIDs: sourceIDs, connectionIDs: connectionIDs, timeline: timeline)
        return stored
    }

    static func appendTimeline(_ db: SQLConnection, issueID: String, _ entry: IssueTimelineEntry) throws {
        try db.cachedStatement("INSERT INTO issue_timeline (issue_id, at, kind, message) VALUES (?, ?, ?, ?)")
            .execute([issueID, entry.at, entry.kind.rawValue, entry.message])
    }

    public func issueCounts(tenant: Tenant) async throws -> [Issue.Status: Int] {
        try await database.read { db in
            var counts: [Issue.Status: Int] = [:]
            for status in Issue.Status.allCases { counts[status] = 0 }
            try db.forEach(
                "SELECT status, COUNT(*) AS n FROM issues WHERE org_id = ? AND env_id = ? GROUP BY status", [tenant.organizationID, tenant.environmentID]
            ) { row in
                if let status = Issue.Status(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    public func updateIssue(id: String, tenant: Tenant, status: Issue.Status?, snoozedUntil: Int64??, now: Int64) async throws -> StoredIssue {
        try await database.write { db in
            guard let current = try Self.issue(db, id: id, tenant: tenant)?.issue else { throw StoreError.notFound }
            if let status {
                try db.execute(
                    "UPDATE issues SET status = ?, resolved_at = ?, updated_at = ? WHERE id = ?", [status.rawValue, status == .resolved ? now : nil, now, id])
                if let entry = IssueTimelineEntry.statusChange(from: current.status, to: status, at: now) {
                    try Self.appendTimeline(db, issueID: id, entry)
                }
            }
            if let snoozedUntil {
                try db.execute("UPDATE issues SET snoozed_until = ?, updated_at = ? WHERE id = ?", [snoozedUntil, now, id])
                if snoozedUntil != current.snoozedUntil {
                    let entry = snoozedUntil.map { IssueTimelineEntry(at: now, kind: .snoozed, message: Timestamp.iso(millis: $0)) }
                    try Self.appendTimeline(db, issueID: id, entry ?? IssueTimelineEntry(at: now, kind: .unsnoozed))
                }
            }
            return try Self.issue(db, id: id, tenant: tenant)!
        }
    }

    public func retryIssue(id: String, tenant: Tenant, now: Int64) async throws -> (retried: Int, total: Int) {
        try await database.write { db in
            guard try Self.issue(db, id: id, tenant: tenant) != nil else { throw StoreError.notFound }
            // The dead-lettered attempts of this issue that are still the newest of their chain
            // (a later retry, pending or finished, already took care of the others).
            let attempts = try db.fetchAll(
                """
                SELECT * FROM delivery_attempts a WHERE a.issue_id = ? AND a.is_dlq = 1 AND NOT EXISTS (
                    SELECT 1 FROM delivery_attempts later WHERE later.event_id = a.event_id AND later.destination_id = a.destination_id
                        AND later.connection_id IS NOT DISTINCT FROM a.connection_id AND later.id > a.id)
                ORDER BY a.id
                """,
                [id], Self.attempt)
            var retried = 0
            for attempt in attempts {
                let route = attempt.connectionID.map { Route(connectionID: $0, destinationID: attempt.destinationID) }
                if try Self.queue(db, eventID: attempt.eventID, tenant: tenant, route: route, destinationID: attempt.destinationID, now: now) != nil {
                    retried += 1
                }
            }
            return (retried, attempts.count)
        }
    }

    public func resolveQuietIssues(quietSince: Int64, now: Int64) async throws -> [StoredIssue] {
        try await database.write { db in
            // Read in full before the loop writes: rows from a cursor do not outlive it.
            let quiet = try db.fetchAll("SELECT id, org_id, env_id FROM issues WHERE status != 'resolved' AND last_seen_at < ?", [quietSince]) { row in
                (id: row["id"] as String, tenant: Tenant(organizationID: row["org_id"], environmentID: row["env_id"]))
            }
            let resolve = try db.cachedStatement("UPDATE issues SET status = 'resolved', resolved_at = ?, updated_at = ? WHERE id = ?")
            // Resolved and read back in the same transaction, so each is exactly what was
            // resolved (with its new timeline entry), for the live `issues` channel.
            return try quiet.compactMap { id, tenant in
                try resolve.execute([now, now, id])
                try Self.appendTimeline(db, issueID: id, IssueTimelineEntry(at: now, kind: .autoResolved))
                return try Self.issue(db, id: id, tenant: tenant)
            }
        }
    }

    static func storedIssue(_ row: SQLRow) -> StoredIssue {
        let recent = attemptIDs(row["recent_attempt_ids"])
        let issue = Issue(
            id: row["id"], tenant: Tenant(organizationID: row["org_id"], environmentID: row["env_id"]), destinationID: row["destination_id"],
            sourceID: row["source_id"], errorType: IssueType(rawValue: row["error_type"]) ?? .http5xx, message: row["message"],
            status: Issue.Status(rawValue: row["status"]) ?? .open, occurrenceCount: row["occurrence_count"],
            firstSeenAt: row["first_seen_at"], lastSeenAt: row["last_seen_at"], recentAttemptIDs: recent, snoozedUntil: row["snoozed_until"],
            resolvedAt: row["resolved_at"], createdAt: row["created_at"], updatedAt: row["updated_at"])
        return StoredIssue(issue: issue, destinationName: row["destination_name"])
    }
}
