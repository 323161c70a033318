import Foundation
public import HookstreamCore
import JSONValue

extension SQLStore {
    public func createDatabaseSource(_ source: Source, capture: CaptureState) async throws {
        var source = source
        source.kind = .postgresql
        try await createSource(source) { db in
            try db.execute(
                """
                    INSERT INTO database_sources (source_id, connection_uri, tables, slot_name, publication_name,
                        confirmed_lsn, changes_captured, last_error, last_error_at, snapshot)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                [
                    capture.sourceID, capture.sealedConnectionURI, capture.tables.map { JSON.array($0.map(JSON.string)).serialized() },
                    capture.slotName, capture.publicationName, Int64(bitPattern: capture.confirmedLSN), capture.changesCaptured,
                    capture.lastError, capture.lastErrorAt, try capture.snapshot.map(Self.encode),
                ])
        }
    }

    public func captureState(sourceID: String) async throws -> CaptureState? {
        try await database.read { db in try Self.captureState(db, sourceID: sourceID) }
    }

    /// The capture state of a source not deleted.
    static func captureState(_ db: SQLConnection, sourceID: String) throws -> CaptureState? {
        try db.fetchOne(
            """
                SELECT database_sources.* FROM database_sources JOIN sources ON sources.id = database_sources.source_id
                WHERE source_id = ? AND sources.deleted_at IS NULL
                """,
            [sourceID]
        ).map(Self.captureState)
    }

    public func captureStates() async throws -> [CaptureState] {
        try await database.read { db in
            try db.fetchAll(
                """
                    SELECT database_sources.* FROM database_sources JOIN sources ON sources.id = database_sources.source_id
                    WHERE sources.deleted_at IS NULL ORDER BY source_id
                    """, [], Self.captureState)
        }
    }

    public func commitCapture(_ transactions: [CapturedTransaction], sourceID: String) async throws -> CaptureCommit {
        try await Self.reportingFullDisk {
            try await database.write { db in
                guard
                    let stored: Int64 = try db.fetchValue(
                        "SELECT confirmed_lsn FROM database_sources WHERE source_id = ?" + db.dialect.lockingRows, [sourceID])
                else { throw StoreError.notFound }
                // Read in the writer's transaction, the row locked (on PostgreSQL, where nodes
                // share the store): no other commit can move it before this one ends, so a
                // transaction two captures both read is stored once.
                let confirmed = UInt64(bitPattern: stored)
                let fresh = transactions.filter { $0.endLSN > confirmed }
                guard let last = fresh.map(\.endLSN).max() else { return CaptureCommit(outcomes: [], skipped: transactions.count) }
                let events = fresh.flatMap(\.events)
                try db.execute(
                    "UPDATE database_sources SET confirmed_lsn = ?, changes_captured = changes_captured + ? WHERE source_id = ?",
                    [Int64(bitPattern: last), events.count, sourceID])
                return CaptureCommit(outcomes: try self.insertBatch(db, events), skipped: transactions.count - fresh.count)
            }
        }
    }

    public func commitSnapshotPage(_ events: [IncomingEvent], snapshot: CaptureSnapshot, sourceID: String) async throws -> [IngestOutcome] {
        let progress = try Self.encode(snapshot)
        return try await Self.reportingFullDisk {
            try await database.write { db in
                let changed = try db.execute("UPDATE database_sources SET snapshot = ? WHERE source_id = ?", [progress, sourceID])
                guard changed == 1 else { throw StoreError.notFound }
                return try self.insertBatch(db, events)
            }
        }
    }

    public func requestSnapshot(sourceID: String, tables: [String]) async throws -> CaptureSnapshot {
        try await database.write { db in
            guard let capture = try Self.captureState(db, sourceID: sourceID) else { throw StoreError.notFound }
            if let current = capture.snapshot, current.status != .done {
                throw StoreError.conflict(
                    current.status == .pending
                        ? "A snapshot of this source is already pending: it starts when capture runs (the source active and connected)"
                        : "A snapshot of this source is running (\(current.rows) rows so far): backfill again once it is done")
            }
            var snapshot = CaptureSnapshot(of: tables)
            snapshot.backfill = true
            try db.execute("UPDATE database_sources SET snapshot = ? WHERE source_id = ?", [try Self.encode(snapshot), sourceID])
            return snapshot
        }
    }

    public func updateCaptureTables(sourceID: String, tables: [String]) async throws {
        try await database.write { db in
            try db.execute(
                "UPDATE database_sources SET tables = ? WHERE source_id = ?",
                [JSON.array(tables.map(JSON.string)).serialized(), sourceID])
        }
    }

    public func captureDeliveryCounts(sourceID: String) async throws -> (delivered: Int64, failed: Int64) {
        try await database.read { db in
            let row = try db.fetchOne(
                "SELECT events_delivered, events_failed FROM database_sources WHERE source_id = ?", [sourceID])
            return (row?["events_delivered"] ?? 0, row?["events_failed"] ?? 0)
        }
    }

    public func recordCaptureError(sourceID: String, message: String?, at: Int64) async throws {
        try await database.write { db in
            try db.execute(
                "UPDATE database_sources SET last_error = ?, last_error_at = ? WHERE source_id = ?",
                [message, message == nil ? nil : at, sourceID])
            try Self.recordCaptureIssue(db, sourceID: sourceID, type: .captureError, message: message, at: at, resolution: "Change capture works again")
        }
    }

    public func recordCaptureLag(sourceID: String, message: String?, at: Int64) async throws {
        try await database.write { db in
            try Self.recordCaptureIssue(
                db, sourceID: sourceID, type: .captureLag, message: message, at: at, resolution: "The replication slot's lag is back under the limit")
        }
    }

    /// A capture problem (`message`) opens (or counts on) the source's open issue of `type`;
    /// `nil` — the problem is gone — resolves it, with `resolution` in its timeline.
    static func recordCaptureIssue(_ db: SQLConnection, sourceID: String, type: IssueType, message: String?, at: Int64, resolution: String) throws {
        guard let message else {
            guard
                let open: String = try db.fetchValue(
                    "SELECT id FROM issues WHERE source_id = ? AND error_type = ? AND status != 'resolved' ORDER BY id DESC LIMIT 1",
                    [sourceID, type.rawValue])
            else { return }
            try db.execute("UPDATE issues SET status = 'resolved', resolved_at = ?, updated_at = ? WHERE id = ?", [at, at, open])
            try appendTimeline(db, issueID: open, IssueTimelineEntry(at: at, kind: .resolved, message: resolution))
            return
        }
        guard let tenant = try db.fetchOne("SELECT org_id, env_id FROM sources WHERE id = ?", [sourceID]) else { return }
        try recordOccurrence(
            db, tenant: Tenant(organizationID: tenant["org_id"], environmentID: tenant["env_id"]), subject: .capture(sourceID: sourceID),
            type: type, message: message, attemptID: nil, at: at)
    }

    static func captureState(_ row: SQLRow) -> CaptureState {
        let tables: [String]? = (row["tables"] as String?).flatMap { try? JSON(parsing: $0) }?.arrayValue?.compactMap(\.stringValue)
        return CaptureState(
            sourceID: row["source_id"], sealedConnectionURI: row["connection_uri"], tables: tables, slotName: row["slot_name"],
            publicationName: row["publication_name"], confirmedLSN: UInt64(bitPattern: row["confirmed_lsn"]),
            changesCaptured: row["changes_captured"], lastError: row["last_error"], lastErrorAt: row["last_error_at"],
            snapshot: decode(CaptureSnapshot.self, row["snapshot"]))
    }
}
