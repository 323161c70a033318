import Foundation
public import HookstreamCore
import JSONValue

extension SQLStore {
    public func insertEvents(_ incoming: [IncomingEvent]) async throws -> [IngestOutcome] {
        guard !incoming.isEmpty else { return [] }
        return try await Self.reportingFullDisk { try await insert(incoming) }
    }

    private func insert(_ incoming: [IncomingEvent]) async throws -> [IngestOutcome] {
        try await database.write { db in try self.insertBatch(db, incoming) }
    }

    /// Stores `incoming` inside the caller's write transaction: ingest's group commit, and
    /// change capture, which commits a captured transaction's events with its source's LSN.
    func insertBatch(_ db: SQLConnection, _ incoming: [IncomingEvent]) throws -> [IngestOutcome] {
        // The batch's events and first attempts are written together after the loop (nothing
        // in it reads them back), a few hundred rows to a statement.
        var events = RowInserts(
            into: "events",
            columns: [
                "id", "org_id", "env_id", "source_id", "method", "headers", "query", "content_type", "source_ip", "body_size", "body", "body_blob", "status",
                "dedup_status", "verification_status", "received_at", "order_key",
            ])
        var attempts = RowInserts(
            into: "delivery_attempts",
            columns: [
                "id", "org_id", "env_id", "event_id", "connection_id", "destination_id", "status", "attempt_number", "scheduled_at", "created_at", "order_key",
            ])
        var perSource: [String: Int] = [:]
        // Per source, whether its events are held in this batch. Read once per batch inside
        // the write transaction: it cannot change before the batch commits.
        var holding: [String: Bool] = [:]
        // Per destination, whether it is live (not deleted): asked once per batch, not once
        // per routed event.
        var live: [String: Bool] = [:]
        var outcomes: [IngestOutcome] = []
        outcomes.reserveCapacity(incoming.count)
        var rollups = RollupBatch()
        for item in incoming {
            var event = item.event
            var outcome = IngestOutcome(eventID: event.id, duplicate: false)
            if let keyHash = item.dedupKeyHash,
                let original = try Self.claimDedupKey(
                    db, source: event.sourceID, keyHash: keyHash, eventID: event.id, now: event.receivedAt, expiresAt: item.dedupExpiresAt)
            {
                event.dedupStatus = .duplicate
                outcome = IngestOutcome(eventID: original, duplicate: true)
            }
            // Routing: one pending attempt per connection the event passed, committed with
            // the event itself. Duplicates are not routed; a destination deleted since the
            // route was computed gets nothing. A paused source's events are held instead.
            var routes: [(route: Route, attemptID: String)] = []
            if !outcome.duplicate {
                let held: Bool
                if let known = holding[event.sourceID] {
                    held = known
                } else {
                    held = try Self.sourceHoldsEvents(db, sourceID: event.sourceID)
                    holding[event.sourceID] = held
                }
                if held {
                    event.status = .held
                    outcome.held = true
                } else {
                    let ids = item.attemptIDs ?? item.routes.map { _ in ResourceID.make(.deliveryAttempt) }
                    let kept = Set(try Self.liveRoutes(db, item.routes, known: &live))
                    routes = zip(item.routes, ids).filter { kept.contains($0.0) }.map { ($0.0, $0.1) }
                }
            }
            if !routes.isEmpty { event.status = .processing }
            var inline: Data?
            var blobKey: String?
            switch event.body {
            case .inline(let bytes): inline = Data(bytes)
            case .blob(let key): blobKey = key
            }
            events.append([
                event.id, event.tenant.organizationID, event.tenant.environmentID, event.sourceID, event.method,
                item.headersJSON, item.queryJSON, event.contentType,
                event.sourceIP, event.bodySize, inline, blobKey, event.status.rawValue, event.dedupStatus.rawValue,
                event.verificationStatus?.rawValue, event.receivedAt, item.orderKey,
            ])
            // The first attempt of each route, due when the event arrived (see
            // `insertFirstAttempts`).
            for (route, attemptID) in routes {
                attempts.append([
                    attemptID, event.tenant.organizationID, event.tenant.environmentID, event.id, route.connectionID,
                    route.destinationID, DeliveryAttempt.Status.pending.rawValue, 1, event.receivedAt, event.receivedAt, item.orderKey,
                ])
            }
            outcome.attemptIDs = routes.map(\.attemptID)
            perSource[event.sourceID, default: 0] += 1
            rollups.countEvent(event)
            outcomes.append(outcome)
        }
        try events.execute(db)
        try attempts.execute(db)
        // Each source's event count; the same statement reads whether the source feeds
        // collections (`sources.collection_count`, kept by their create and delete, which
        // update this row too). A collection created concurrently on any node has either
        // committed before this (its count is read here, after waiting for its lock if need
        // be) or will commit after this batch, which then predates it. In source order, so two
        // nodes' batches take the rows in the same order.
        var feedingCollections: Set<String> = []
        let count = try db.cachedStatement("UPDATE sources SET event_count = event_count + ? WHERE id = ? RETURNING collection_count")
        for (sourceID, n) in perSource.sorted(by: { $0.key < $1.key }) {
            if let collections: Int64 = try count.fetchValue([n, sourceID]), collections > 0 { feedingCollections.insert(sourceID) }
        }
        if !feedingCollections.isEmpty {
            var collections = try CollectionSyncBatch(db, sourceIDs: feedingCollections)
            for (index, item) in incoming.enumerated() where feedingCollections.contains(item.event.sourceID) {
                try collections.apply(db, item, duplicate: outcomes[index].duplicate)
                outcomes[index].recordSyncs = collections.takeSyncs()
            }
            try collections.finish(db)
        }
        try rollups.write(db)
        return outcomes
    }

    /// Whether new events of the source are held: it is paused, or it still holds events from
    /// a pause whose release is under way (a new event must not overtake them).
    ///
    /// Correct because SQLite serializes write transactions: once a release has found nothing
    /// held, no later transaction can decide to hold. A backend with concurrent writers
    /// (PostgreSQL) must lock the source row (`SELECT … FOR UPDATE`) here and in the release.
    private static func sourceHoldsEvents(_ db: SQLConnection, sourceID: String) throws -> Bool {
        let holds: Bool? = try db.cachedStatement(
            """
            SELECT 1 FROM sources WHERE id = ? AND status = \(Source.Status.paused.sqlLiteral)
            UNION ALL SELECT 1 FROM events WHERE source_id = ? AND status = \(Event.Status.held.sqlLiteral)
            LIMIT 1
            """
        ).fetchValue([sourceID, sourceID])
        return holds == true
    }

    /// The routes whose destination still exists. `known` holds what this transaction already
    /// asked, so a batch asks once per destination, not once per routed event.
    private static func liveRoutes(_ db: SQLConnection, _ routes: [Route], known: inout [String: Bool]) throws -> [Route] {
        try routes.filter { route in
            if let live = known[route.destinationID] { return live }
            let live = try isLiveDestination(db, route.destinationID)
            known[route.destinationID] = live
            return live
        }
    }

    /// The first attempt of each route, due when the event arrived: a released held event is
    /// then claimed in arrival order, ahead of anything that arrived after it.
    private static func insertFirstAttempts(_ db: SQLConnection, event: Event, routes: [Route], createdAt: Int64) throws {
        for route in routes {
            try insertAttempt(
                db,
                DeliveryAttempt(
                    id: ResourceID.make(.deliveryAttempt), tenant: event.tenant, eventID: event.id, connectionID: route.connectionID,
                    destinationID: route.destinationID, scheduledAt: event.receivedAt, createdAt: createdAt))
        }
    }

    public func heldEvents(sourceID: String, limit: Int) async throws -> [Event] {
        try await database.read { db in
            try db.fetchAll(
                """
                SELECT events.* FROM events JOIN sources ON sources.id = events.source_id
                WHERE events.source_id = ? AND events.status = \(Event.Status.held.sqlLiteral) AND sources.status = \(Source.Status.active.sqlLiteral) AND sources.deleted_at IS NULL
                ORDER BY events.id LIMIT ?
                """,
                [sourceID, limit]
            ) { Self.storedEvent($0).event }
        }
    }

    public func releaseHeldEvents(_ releases: [HeldRelease], now: Int64) async throws -> [HeldRelease] {
        guard !releases.isEmpty else { return [] }
        return try await Self.reportingFullDisk {
            try await database.write { db in
                var applied: [HeldRelease] = []
                var live: [String: Bool] = [:]
                for release in releases {
                    // Still held and its source still active, read in this transaction: a
                    // concurrent release or a new pause wins, never a double route.
                    guard
                        let row = try db.cachedStatement(
                            """
                            SELECT events.* FROM events JOIN sources ON sources.id = events.source_id
                            WHERE events.id = ? AND events.status = \(Event.Status.held.sqlLiteral) AND sources.status = \(Source.Status.active.sqlLiteral) AND sources.deleted_at IS NULL
                            """
                        ).fetchOne([release.eventID])
                    else { continue }
                    let event = Self.storedEvent(row).event
                    let routes = try Self.liveRoutes(db, release.routes, known: &live)
                    try db.cachedStatement("UPDATE events SET status = ? WHERE id = ?")
                        .execute([(routes.isEmpty ? Event.Status.received : .processing).rawValue, event.id])
                    try Self.insertFirstAttempts(db, event: event, routes: routes, createdAt: now)
                    applied.append(HeldRelease(eventID: event.id, routes: routes))
                }
                return applied
            }
        }
    }

    public func sourcesWithHeldEvents() async throws -> [String] {
        try await database.read { db in
            try db.fetchValues(
                """
                    SELECT id FROM sources WHERE status = \(Source.Status.active.sqlLiteral) AND deleted_at IS NULL
                    AND EXISTS (SELECT 1 FROM events WHERE events.source_id = sources.id AND events.status = \(Event.Status.held.sqlLiteral))
                    ORDER BY id
                    """)
        }
    }

    /// Opens the key's dedup window for `eventID` unless one is open already; returns the event
    /// that opened that one (`eventID` is then a duplicate), or nil when `eventID` is first.
    ///
    /// One statement decides, through the key's unique index: the row is inserted, or taken
    /// over when its window has closed, or left alone. Nodes sharing a database each commit
    /// their own batches; the index makes a second node's insert of the same key wait for the
    /// first one's commit and then see its open window, so 20 identical requests spread over
    /// several nodes still store one original.
    private static func claimDedupKey(
        _ db: SQLConnection, source: String, keyHash: String, eventID: String, now: Int64, expiresAt: Int64
    ) throws -> String? {
        let opened: String? = try db.cachedStatement(
            """
                INSERT INTO dedup_keys (source_id, key_hash, event_id, expires_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (source_id, key_hash) DO UPDATE SET event_id = excluded.event_id, expires_at = excluded.expires_at
                WHERE dedup_keys.expires_at <= ?
                RETURNING event_id
                """
        ).fetchValue([source, keyHash, eventID, expiresAt, now])
        if opened != nil { return nil }
        return try db.cachedStatement("SELECT event_id FROM dedup_keys WHERE source_id = ? AND key_hash = ?").fetchValue([source, keyHash])
    }

    public func purgeExpiredDedupKeys(now: Int64) async throws {
        try await database.write { db in try db.execute("DELETE FROM dedup_keys WHERE expires_at <= ?", [now]) }
    }

    public func event(id: String, tenant: Tenant) async throws -> StoredEvent? {
        try await database.read { db in
            try db.fetchOne(
                """
                    SELECT events.*, sources.name AS source_name FROM events LEFT JOIN sources ON sources.id = events.source_id
                    WHERE events.id = ? AND events.org_id = ? AND events.env_id = ?
                    """,
                [id, tenant.organizationID, tenant.environmentID]
            ).map(Self.storedEvent)
        }
    }

    public func events(tenant: Tenant, query: EventQuery) async throws -> Page<StoredEvent> {
        try await database.read { db in
            var conditions = ["events.org_id = ?", "events.env_id = ?"]
            var arguments: SQLArguments = [tenant.organizationID, tenant.environmentID]
            if let sourceID = query.sourceID {
                conditions.append("events.source_id = ?")
                arguments += [sourceID]
            }
            if let status = query.status {
                conditions.append("events.status = ?")
                arguments += [status.rawValue]
            }
            if let after = query.receivedAfter {
                conditions.append("events.received_at >= ?")
                arguments += [after]
            }
            if let before = query.receivedBefore {
                conditions.append("events.received_at <= ?")
                arguments += [before]
            }
            if let search = query.search, !search.isEmpty {
                // An ID prefix, or a substring of an inline body. Bodies kept in the blob store
                // are not searched: scanning files per query would not scale.
                let escaped = Self.likeEscaped(search)
                let like = db.dialect.caseInsensitiveLike
                conditions.append("(events.id \(like) ? ESCAPE '\\' OR \(db.dialect.text(ofBlob: "events.body")) \(like) ? ESCAPE '\\')")
                arguments += [escaped + "%", "%" + escaped + "%"]
            }
            let filter = conditions.joined(separator: " AND ")
            let total = try db.fetchValue("SELECT COUNT(*) FROM events WHERE \(filter)", arguments) ?? 0
            var pageFilter = filter
            var pageArguments = arguments
            if let beforeID = query.beforeID {
                pageFilter += " AND events.id < ?"
                pageArguments += [beforeID]
            }
            pageArguments += [query.limit + 1]
            let rows = try db.fetchAll(
                """
                    SELECT events.*, sources.name AS source_name FROM events LEFT JOIN sources ON sources.id = events.source_id
                    WHERE \(pageFilter) ORDER BY events.id DESC LIMIT ?
                    """,
                pageArguments, Self.storedEvent)
            return Self.page(rows, limit: query.limit, id: \.event.id, total: total)
        }
    }

    static func likeEscaped(_ text: String) -> String {
        var out = ""
        for c in text {
            if c == "%" || c == "_" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    static func storedEvent(_ row: SQLRow) -> StoredEvent {
        let body: EventBody
        if let key = row["body_blob"] as String? {
            body = .blob(key: key)
        } else {
            body = .inline([UInt8]((row["body"] as Data?) ?? Data()))
        }
        let event = Event(
            id: row["id"], tenant: Tenant(organizationID: row["org_id"], environmentID: row["env_id"]), sourceID: row["source_id"],
            method: row["method"], headers: objectColumn(row["headers"]), query: objectColumn(row["query"]),
            contentType: row["content_type"], sourceIP: row["source_ip"], bodySize: row["body_size"], body: body,
            status: Event.Status(rawValue: row["status"]) ?? .received, dedupStatus: Event.DedupStatus(rawValue: row["dedup_status"]) ?? .unique,
            verificationStatus: (row["verification_status"] as String?).flatMap(Event.VerificationStatus.init(rawValue:)),
            receivedAt: row["received_at"])
        return StoredEvent(event: event, sourceName: row["source_name"])
    }

    static func objectColumn(_ text: String?) -> JSONObject {
        guard let text, let value = try? JSON(parsing: text), let object = value.objectValue else { return [:] }
        return object
    }
}
