import Foundation
public import HookstreamCore
import JSONValue

/// The worker side of delivery: claiming due attempts and recording what happened.
extension SQLStore {
    public func pendingDestinations() async throws -> [String: Int64] {
        try await database.read { db in
            var heads: [String: Int64] = [:]
            try db.forEach("SELECT destination_id, MIN(scheduled_at) AS due FROM delivery_attempts WHERE status = 'pending' GROUP BY destination_id") {
                heads[$0["destination_id"]] = $0["due"]
            }
            return heads
        }
    }

    public func claimDue(destinationID: String, now: Int64, limit: Int, excluding: Set<String>, shared: SharedClaim?) async throws -> ClaimBatch {
        guard let shared else {
            return try await database.read { db in try Self.claim(db, destinationID: destinationID, now: now, limit: limit, excluding: excluding, lease: nil) }
        }
        return try await database.write { db in
            // The destination's row is the lock that makes claims for it one at a time across
            // nodes: the circuit and the other nodes' leases read here stay true until commit.
            guard let row = try db.fetchOne("SELECT circuit, circuit_version FROM destinations WHERE id = ?" + db.dialect.lockingRows, [destinationID]) else {
                return ClaimBatch(attempts: [], nextDue: nil)
            }
            let stored = (circuit: Self.decode(CircuitBreaker.self, row["circuit"]) ?? CircuitBreaker(), version: row["circuit_version"] as Int64)
            if SharedClaim.storedIsNewer(stored, than: (shared.circuit, shared.circuitVersion)) {
                return ClaimBatch(attempts: [], nextDue: now, storedCircuit: stored)
            }
            var limit = limit
            if shared.maxConcurrency != nil || shared.inOrder {
                // Every node's live leases, this one's in-flight attempts included.
                let leased: Int = try db.fetchValue(
                    "SELECT COUNT(*) FROM delivery_attempts WHERE destination_id = ? AND status = 'pending' AND claimed_by IS NOT NULL AND lease_until > ?",
                    [destinationID, now]) ?? 0
                if let maxConcurrency = shared.maxConcurrency { limit = min(limit, maxConcurrency - leased) }
                if shared.inOrder && leased > 0 { limit = 0 }
                // Another node uses the slots: look again shortly (its finished attempts notify
                // nobody).
                guard limit > 0 else { return ClaimBatch(attempts: [], nextDue: now + Self.fullDestinationRetryMillis, waitsOnOtherNodes: true) }
            }
            if let probe = shared.probe {
                guard stored.version == shared.circuitVersion else {
                    // This node's own last change is not stored yet: try once it is.
                    return ClaimBatch(attempts: [], nextDue: now + Self.fullDestinationRetryMillis, waitsOnOtherNodes: true)
                }
                let batch = try Self.claim(db, destinationID: destinationID, now: now, limit: 1, excluding: excluding, lease: shared.lease)
                if !batch.attempts.isEmpty { try Self.saveCircuit(db, destinationID: destinationID, circuit: probe, version: shared.circuitVersion + 1) }
                return batch
            }
            return try Self.claim(db, destinationID: destinationID, now: now, limit: limit, excluding: excluding, lease: shared.lease)
        }
    }

    /// How soon a shared claim that found the destination's slots all taken by other nodes
    /// looks again.
    static let fullDestinationRetryMillis: Int64 = 200

    public func renewDeliveryLeases(attemptIDs: [String], lease: DeliveryLease) async throws {
        guard !attemptIDs.isEmpty else { return }
        try await database.write { db in
            for chunk in stride(from: 0, to: attemptIDs.count, by: 500).map({ attemptIDs[$0..<min($0 + 500, attemptIDs.count)] }) {
                try db.execute(
                    "UPDATE delivery_attempts SET lease_until = ? WHERE claimed_by = ? AND status = 'pending' AND id IN (\(Self.placeholders(chunk.count)))",
                    [lease.until, lease.node] + SQLArguments(Array(chunk)))
            }
        }
    }

    private static func claim(
        _ db: SQLConnection, destinationID: String, now: Int64, limit: Int, excluding: Set<String>, lease: DeliveryLease?
    ) throws -> ClaimBatch {
        // In flight means claimed by this node and not yet recorded. On SQLite there is
        // exactly one process, so excluding those IDs is the whole claim (no lease write);
        // nodes sharing a database also skip attempts under another node's live lease, and
        // mark what they take.
        // An attempt with an order key waits while an earlier event's attempt with the same
        // key is pending here (in flight, or waiting for its retry): a captured row's later
        // change never overtakes an earlier one (Schema.deliveryOrderKeys).
        var sql = """
            SELECT * FROM delivery_attempts a WHERE destination_id = ? AND status = 'pending' AND scheduled_at <= ?
              AND (order_key IS NULL OR NOT EXISTS (SELECT 1 FROM delivery_attempts b WHERE b.destination_id = a.destination_id
                AND b.order_key = a.order_key AND b.status = 'pending' AND b.event_id < a.event_id))
            """
        var arguments: SQLArguments = [destinationID, now]
        if lease != nil {
            sql += " AND (lease_until IS NULL OR lease_until <= ?)"
            arguments += [now]
        }
        if !excluding.isEmpty {
            let list = paddedList(Array(excluding))
            sql += " AND id NOT IN (\(list.placeholders))"
            arguments += list.arguments
        }
        sql += " ORDER BY scheduled_at, id LIMIT ?"
        if lease != nil { sql += db.dialect.skippingLockedRows }
        let attempts = try db.cachedStatement(sql).fetchAll(arguments + [limit], Self.attempt)
        if let lease, !attempts.isEmpty {
            try db.execute(
                "UPDATE delivery_attempts SET claimed_by = ?, lease_until = ? WHERE id IN (\(Self.placeholders(attempts.count)))",
                [lease.node, lease.until] + SQLArguments(attempts.map(\.id)))
        }
        // Where the lane's queue continues, in this same read. A full batch may have left
        // more due now. Otherwise every due attempt is in flight or claimed here (an
        // in-flight one was due when it was claimed), so the next is the earliest one
        // scheduled after `now`: one seek in the pending index, no ID list.
        var nextDue: Int64? = now
        var waitsOnOrder = false
        if attempts.count < limit {
            // Every due attempt not in flight and not taken now waits behind an earlier
            // one of its key: the lane looks again when one of its attempts finishes.
            let taken = paddedList(Array(excluding.union(attempts.map(\.id))))
            let waiting: Bool? = try db.cachedStatement(
                "SELECT 1 FROM delivery_attempts WHERE destination_id = ? AND status = 'pending' AND order_key IS NOT NULL AND scheduled_at <= ?"
                    + (taken.placeholders.isEmpty ? "" : " AND id NOT IN (\(taken.placeholders))") + " LIMIT 1"
            ).fetchValue([destinationID, now] + taken.arguments)
            waitsOnOrder = waiting == true
            nextDue = try db.cachedStatement(
                "SELECT MIN(scheduled_at) FROM delivery_attempts WHERE destination_id = ? AND status = 'pending' AND scheduled_at > ?"
            ).fetchValue([destinationID, now])
        }
        guard !attempts.isEmpty else { return ClaimBatch(attempts: [], nextDue: nextDue, waitsOnOrder: waitsOnOrder) }
        // The batch's events and transforms in one query each, not one per attempt.
        let eventIDs = paddedList(Array(Set(attempts.map(\.eventID))))
        var events: [String: Event] = [:]
        try db.cachedStatement("SELECT events.*, NULL AS source_name FROM events WHERE id IN (\(eventIDs.placeholders))").forEach(eventIDs.arguments) {
            let event = Self.storedEvent($0).event
            events[event.id] = event
        }
        // A deleted connection's transform still applies to deliveries it routed.
        let connectionIDs = Array(Set(attempts.compactMap(\.connectionID)))
        var transforms: [String: String] = [:]
        if !connectionIDs.isEmpty {
            let connections = paddedList(connectionIDs)
            try db.cachedStatement(
                "SELECT id, transform_expression FROM connections WHERE transform_enabled = 1 AND id IN (\(connections.placeholders))"
            ).forEach(connections.arguments) { transforms[$0["id"]] = $0["transform_expression"] }
            // A topic subscription routes like a connection; its transform applies
            // whenever it has one. Only asked for when the batch holds such deliveries.
            let subscriptionIDs = connectionIDs.filter { $0.hasPrefix(IDPrefix.subscription.rawValue + "_") }
            if !subscriptionIDs.isEmpty {
                let subscriptions = paddedList(subscriptionIDs)
                try db.cachedStatement(
                    "SELECT id, transform_expression FROM topic_subscriptions WHERE transform_expression IS NOT NULL AND id IN (\(subscriptions.placeholders))"
                ).forEach(subscriptions.arguments) { transforms[$0["id"]] = $0["transform_expression"] }
            }
        }
        let claimed = attempts.compactMap { attempt in
            events[attempt.eventID].map {
                ClaimedAttempt(attempt: attempt, event: $0, transformExpression: attempt.connectionID.flatMap { transforms[$0] })
            }
        }
        return ClaimBatch(attempts: claimed, nextDue: nextDue, waitsOnOrder: waitsOnOrder)
    }

    public func deliveryDestination(id: String) async throws -> (destination: Destination, circuitVersion: Int64)? {
        try await database.read { db in
            guard let row = try db.fetchOne("SELECT * FROM destinations WHERE id = ? AND deleted_at IS NULL", [id]) else {
                return nil
            }
            return (Self.destination(row), row["circuit_version"])
        }
    }

    static func saveCircuit(_ db: SQLConnection, destinationID: String, circuit: CircuitBreaker, version: Int64) throws {
        let text = try encode(circuit)
        try db.cachedStatement("UPDATE destinations SET circuit = ?, circuit_version = ? WHERE id = ? AND circuit_version < ?")
            .execute([text, version, destinationID, version])
    }

    public func cancelPendingAttempts(destinationID: String, at: Int64) async throws {
        try await database.write { db in try Self.cancelPending(db, destinationID: destinationID, at: at) }
    }

    static func cancelPending(_ db: SQLConnection, destinationID: String, at: Int64) throws {
        let events: [String] = try db.fetchValues(
            "SELECT DISTINCT event_id FROM delivery_attempts WHERE destination_id = ? AND status = 'pending'", [destinationID])
        try db.execute(
            """
                UPDATE delivery_attempts SET status = 'failed', error = 'Destination was deleted before delivery', error_type = ?
                WHERE destination_id = ? AND status = 'pending'
                """,
            [DeliveryAttempt.destinationDeletedErrorType, destinationID])
        try refreshEventStatuses(db, eventIDs: events)
    }

    public func recordDelivery(_ records: [DeliveryRecord]) async throws {
        guard !records.isEmpty else { return }
        try await database.write { db in
            // Nodes sharing a database: an attempt whose lease ran out (its node stalled) may have
            // been claimed, sent and recorded by another node meanwhile. The first result
            // recorded stands; a later one changes no row here and adds no retry, issue or
            // count. (Claims without a lease, SQLite's, are this node's alone: `claimed_by` is
            // NULL and the condition always holds.)
            let finish = try db.cachedStatement(
                """
                    UPDATE delivery_attempts SET status = ?, attempted_at = ?, status_code = ?, latency_ms = ?, error = ?, error_type = ?,
                        request_headers = ?, response_headers = ?, response_body = ?, next_retry_at = ?, is_dlq = ?, dlq_at = ?
                    WHERE id = ? AND (claimed_by IS NULL OR status = 'pending')
                    """)
            let attachIssue = try db.cachedStatement("UPDATE delivery_attempts SET issue_id = ? WHERE id = ?")
            let delivered = try db.cachedStatement("UPDATE destinations SET delivery_count = delivery_count + ? WHERE id = ?")
            var events: [String] = []
            var deliveredPerDestination: [String: Int] = [:]
            var rollups = RollupBatch()
            for record in records {
                let result: AttemptResult
                switch record {
                case .circuit(let destinationID, let circuit, let version):
                    try Self.saveCircuit(db, destinationID: destinationID, circuit: circuit, version: version)
                    continue
                case .attempt(let attempt):
                    result = attempt
                }
                let a = result.attempt
                let finished = try finish.execute([
                    a.status.rawValue, a.attemptedAt, a.statusCode, a.latencyMs, a.error, a.errorType, a.requestHeaders.map { JSON.object($0).serialized() },
                    a.responseHeaders.map { JSON.object($0).serialized() }, a.responseBody, a.nextRetryAt, a.isDLQ ? 1 : 0, a.dlqAt, a.id,
                ])
                // No row changed and the row is there: another node recorded it first. (A row
                // gone meanwhile is recorded as before.)
                if finished == 0, try db.cachedStatement("SELECT 1 FROM delivery_attempts WHERE id = ?").fetchValue([a.id]) ?? false {
                    continue
                }
                if let issue = result.issue {
                    let issueID = try Self.recordOccurrence(
                        db, tenant: a.tenant, subject: .destination(a.destinationID), type: issue.type, message: issue.message, attemptID: a.id,
                        at: a.attemptedAt ?? a.createdAt)
                    try attachIssue.execute([issueID, a.id])
                }
                if let opened = result.circuitOpened {
                    try Self.recordOccurrence(
                        db, tenant: a.tenant, subject: .destination(a.destinationID), type: .circuitOpen, message: opened.message, attemptID: a.id,
                        at: opened.at)
                }
                if let retry = result.retry { try Self.insertAttempt(db, retry) }
                rollups.countAttempt(a)
                if a.status == .success { deliveredPerDestination[a.destinationID, default: 0] += 1 }
                if let circuit = result.circuit {
                    try Self.saveCircuit(db, destinationID: a.destinationID, circuit: circuit.state, version: circuit.version)
                }
                events.append(a.eventID)
            }
            for (destinationID, count) in deliveredPerDestination { try delivered.execute([count, destinationID]) }
            try Self.refreshEventStatuses(db, eventIDs: Set(events))
            try rollups.write(db)
        }
    }

    static func insertAttempt(_ db: SQLConnection, _ a: DeliveryAttempt) throws {
        try db.cachedStatement(
            """
                INSERT INTO delivery_attempts (id, org_id, env_id, event_id, connection_id, destination_id, status, attempt_number,
                    scheduled_at, created_at, order_key)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT order_key FROM events WHERE id = ?))
                """
        ).execute([
            a.id, a.tenant.organizationID, a.tenant.environmentID, a.eventID, a.connectionID, a.destinationID, a.status.rawValue,
            a.attemptNumber, a.scheduledAt, a.createdAt, a.eventID,
        ])
    }

    /// Whose failures an issue groups: a destination's delivery attempts, or a database
    /// source's change capture (which has no destination and no attempts).
    enum IssueSubject {
        case destination(String)
        case capture(sourceID: String)

        var column: String {
            switch self {
            case .destination: "destination_id"
            case .capture: "source_id"
            }
        }

        var id: String {
            switch self {
            case .destination(let id), .capture(sourceID: let id): id
            }
        }
    }

    /// Adds one occurrence to the subject's unresolved issue of this type, or opens a new one.
    /// `attemptID`, when the occurrence is a delivery attempt, heads the issue's recent
    /// attempts. Returns the issue's ID.
    @discardableResult
    static func recordOccurrence(
        _ db: SQLConnection, tenant: Tenant, subject: IssueSubject, type: IssueType, message: String, attemptID: String?, at: Int64
    ) throws -> String {
        if let row = try db.cachedStatement(
            """
            SELECT id, recent_attempt_ids FROM issues WHERE \(subject.column) = ? AND error_type = ? AND status != 'resolved'
            ORDER BY id DESC LIMIT 1
            """
        ).fetchOne([subject.id, type.rawValue]) {
            let id: String = row["id"]
            var recent = attemptIDs(row["recent_attempt_ids"])
            if let attemptID { recent.insert(attemptID, at: 0) }
            recent = Array(recent.prefix(Issue.recentAttemptLimit))
            try db.cachedStatement(
                """
                    UPDATE issues SET occurrence_count = occurrence_count + 1, last_seen_at = ?, message = ?, recent_attempt_ids = ?,
                        updated_at = ? WHERE id = ?
                    """
            ).execute([at, message, JSON.array(recent.map(JSON.string)).serialized(), at, id])
            return id
        }
        let id = ResourceID.make(.issue)
        var destinationID = "", sourceID: String?
        switch subject {
        case .destination(let id): destinationID = id
        case .capture(let id): sourceID = id
        }
        try db.cachedStatement(
            """
                INSERT INTO issues (id, org_id, env_id, destination_id, source_id, error_type, message, status, occurrence_count,
                    first_seen_at, last_seen_at, recent_attempt_ids, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'open', 1, ?, ?, ?, ?, ?)
                """
        ).execute([
            id, tenant.organizationID, tenant.environmentID, destinationID, sourceID, type.rawValue, message, at, at,
            JSON.array(attemptID.map { [.string($0)] } ?? []).serialized(), at, at,
        ])
        try appendTimeline(db, issueID: id, IssueTimelineEntry(at: at, kind: .opened, message: message))
        return id
    }

    /// Recomputes the statuses of `eventIDs` from their attempts (``EventStatus``): two reads
    /// per 500 events, not two per event, and a write only where a status changed. The
    /// result writer calls this once per group commit, for every event it recorded.
    static func refreshEventStatuses(_ db: SQLConnection, eventIDs: some Collection<String>) throws {
        let ids = Array(eventIDs)
        var outcomes: [String: (delivered: Int, failed: Int)] = [:]
        for start in stride(from: 0, to: ids.count, by: 512) {
            let list = paddedList(Array(ids[start..<min(start + 512, ids.count)]))
            var facts: [String: [EventStatus.AttemptFact]] = [:]
            try db.cachedStatement(
                "SELECT event_id, connection_id, destination_id, status FROM delivery_attempts WHERE event_id IN (\(list.placeholders)) ORDER BY event_id, id"
            ).forEach(list.arguments) { row in
                facts[row["event_id"], default: []].append(
                    EventStatus.AttemptFact(
                        connectionID: row["connection_id"], destinationID: row["destination_id"],
                        status: DeliveryAttempt.Status(rawValue: row["status"]) ?? .failed))
            }
            var changes: [(id: String, status: String)] = []
            try db.cachedStatement("SELECT id, status, source_id FROM events WHERE id IN (\(list.placeholders))").forEach(list.arguments) { row in
                let id: String = row["id"]
                let stored: String = row["status"]
                let derived = EventStatus.derive(facts[id] ?? []).rawValue
                guard stored != derived else { return }
                changes.append((id, derived))
                let change = CaptureOutcomeChange(from: stored, to: derived)
                if change.delivered != 0 || change.failed != 0 {
                    let sourceID: String = row["source_id"]
                    outcomes[sourceID, default: (0, 0)].delivered += change.delivered
                    outcomes[sourceID, default: (0, 0)].failed += change.failed
                }
            }
            let update = try db.cachedStatement("UPDATE events SET status = ? WHERE id = ?")
            // In ID order, like the counts below: nodes sharing a database lock rows in one order.
            for change in changes.sorted(by: { $0.id < $1.id }) { try update.execute([change.status, change.id]) }
        }
        let count = try db.cachedStatement(
            "UPDATE database_sources SET events_delivered = events_delivered + ?, events_failed = events_failed + ? WHERE source_id = ?")
        for (sourceID, outcome) in outcomes.sorted(by: { $0.key < $1.key }) { try count.execute([outcome.delivered, outcome.failed, sourceID]) }
    }

    /// A database source counts its events delivered and failed as their status changes (what
    /// `stats` shows), so reading the counts never scans the source's events: what one status
    /// change adds to each count. A webhook source's ID matches no `database_sources` row.
    struct CaptureOutcomeChange {
        var delivered: Int
        var failed: Int

        init(from old: String, to new: String) {
            func delta(_ status: Event.Status) -> Int {
                (new == status.rawValue ? 1 : 0) - (old == status.rawValue ? 1 : 0)
            }
            (delivered, failed) = (delta(.delivered), delta(.failed))
        }
    }

    /// `?, ?, …` for an `IN (…)` list of `count` values.
    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }

    /// An `IN (…)` list of `values` for a statement run often with lists of any length (the
    /// claim's): padded to the next power of two by repeating the last value, which changes
    /// no result, so its text takes one of a few lengths and stays prepared in the statement
    /// cache instead of being compiled on each run. Empty for no values.
    static func paddedList(_ values: [String]) -> (placeholders: String, arguments: SQLArguments) {
        guard let last = values.last else { return ("", []) }
        var length = 1
        while length < values.count { length *= 2 }
        return (placeholders(length), SQLArguments(values + Array(repeating: last, count: length - values.count)))
    }

    static func isLiveDestination(_ db: SQLConnection, _ id: String) throws -> Bool {
        let live: Bool? = try db.cachedStatement("SELECT 1 FROM destinations WHERE id = ? AND deleted_at IS NULL").fetchValue([id])
        return live == true
    }

    /// The JSON array of attempt IDs an issue keeps.
    static func attemptIDs(_ text: String?) -> [String] {
        (text.flatMap { try? JSON(parsing: $0) }?.arrayValue ?? []).compactMap(\.stringValue)
    }

    static func attempt(_ row: SQLRow) -> DeliveryAttempt {
        func object(_ column: String) -> JSONObject? {
            (row[column] as String?).map(objectColumn)
        }
        return DeliveryAttempt(
            id: row["id"], tenant: Tenant(organizationID: row["org_id"], environmentID: row["env_id"]), eventID: row["event_id"],
            connectionID: row["connection_id"], destinationID: row["destination_id"],
            status: DeliveryAttempt.Status(rawValue: row["status"]) ?? .failed, attemptNumber: row["attempt_number"],
            scheduledAt: row["scheduled_at"], attemptedAt: row["attempted_at"], statusCode: row["status_code"], latencyMs: row["latency_ms"],
            error: row["error"], errorType: row["error_type"], requestHeaders: object("request_headers"),
            responseHeaders: object("response_headers"), responseBody: row["response_body"], nextRetryAt: row["next_retry_at"],
            isDLQ: (row["is_dlq"] as Int64? ?? 0) != 0, dlqAt: row["dlq_at"], issueID: row["issue_id"], createdAt: row["created_at"])
    }
}
