import Foundation
public import HookstreamCore
import JSONValue

extension Schema {
    /// The event archive: the batch journal that makes retention resumable, the index of
    /// archived days (what `archive list` shows, counted in the same transaction as the delete),
    /// and the restores (a restored event is kept a full retention before it is archived again).
    /// `events_by_received` lets retention find the oldest due event without a scan.
    static let eventArchive = """
        CREATE TABLE event_archive_batches (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            org_id TEXT NOT NULL,
            day TEXT NOT NULL,
            file_offset INTEGER NOT NULL,
            state TEXT NOT NULL,
            blob_keys TEXT NOT NULL DEFAULT '[]',
            created_at INTEGER NOT NULL
        );
        CREATE TABLE event_archive_days (
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            day TEXT NOT NULL,
            event_count INTEGER NOT NULL,
            first_archived_at INTEGER NOT NULL,
            last_archived_at INTEGER NOT NULL,
            last_restored_at INTEGER,
            PRIMARY KEY (org_id, env_id, day)
        );
        CREATE TABLE event_restores (
            event_id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            day TEXT NOT NULL,
            restored_at INTEGER NOT NULL
        );
        CREATE INDEX events_by_received ON events(received_at, id);
        """
}

extension SQLStore {
    /// The archivable condition on `events AS e` (see ``EventArchiveStore``); its one argument
    /// is `restoredBefore`.
    private static let archivable = """
        e.status NOT IN (\(EventArchiveRules.liveEventStatuses.map(\.sqlLiteral).joined(separator: ",")))
        AND NOT EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.event_id = e.id AND a.status = 'pending')
        AND NOT EXISTS (SELECT 1 FROM event_restores r WHERE r.event_id = e.id AND r.restored_at >= ?)
        """

    public func oldestArchivableEvent(before cutoff: Int64, restoredBefore: Int64) async throws -> ArchiveCandidate? {
        try await database.read { db in
            try db.fetchOne(
                "SELECT e.org_id, e.received_at FROM events e WHERE e.received_at < ? AND \(Self.archivable) ORDER BY e.received_at, e.id LIMIT 1",
                [cutoff, restoredBefore]
            ).map { ArchiveCandidate(organizationID: $0["org_id"], receivedAt: $0["received_at"]) }
        }
    }

    public func archivableEvents(in window: ArchiveWindow, restoredBefore: Int64) async throws -> [ArchiveRecord] {
        try await database.read { db in
            var records = try db.fetchAll(
                """
                    SELECT e.* FROM events e WHERE e.org_id = ? AND e.received_at >= ? AND e.received_at < ? AND \(Self.archivable)
                    ORDER BY e.received_at, e.id LIMIT ?
                    """,
                [window.organizationID, window.from, window.until, restoredBefore, window.limit], Self.archiveRecord)
            guard !records.isEmpty else { return [] }
            var attempts: [String: [JSONObject]] = [:]
            try db.forEach(
                "SELECT * FROM delivery_attempts WHERE event_id IN (\(Self.placeholders(records.count))) ORDER BY id",
                SQLArguments(records.map(\.eventID))
            ) { row in
                attempts[row["event_id"], default: []].append(Self.archiveColumns(row))
            }
            for index in records.indices { records[index].attempts = attempts[records[index].eventID] ?? [] }
            return records
        }
    }

    public func beginArchiveBatch(organizationID: String, day: ArchiveDay, fileOffset: Int64, at now: Int64) async throws -> Int64 {
        try await Self.reportingFullDisk {
            try await database.write { db in
                let id: Int64? = try db.fetchValue(
                    "INSERT INTO event_archive_batches (org_id, day, file_offset, state, created_at) VALUES (?, ?, ?, 'appending', ?) RETURNING id",
                    [organizationID, day.text, fileOffset, now])
                guard let id else { throw StoreError.notFound }
                return id
            }
        }
    }

    public func commitArchiveBatch(journalID: Int64, records: [ArchiveRecord], restoredBefore: Int64, at now: Int64) async throws {
        guard !records.isEmpty else { return }
        try await Self.reportingFullDisk {
            try await database.write { db in
                let ids = records.map(\.eventID)
                let list = Self.placeholders(ids.count)
                // Still archivable and with exactly the attempts that were written: anything
                // else means the event moved on (a retry queued a delivery) after the read.
                let stillDue: Int = try db.fetchValue(
                    "SELECT COUNT(*) FROM events e WHERE e.id IN (\(list)) AND \(Self.archivable)",
                    SQLArguments(ids) + [restoredBefore]) ?? 0
                let attemptCount: Int = try db.fetchValue(
                    "SELECT COUNT(*) FROM delivery_attempts WHERE event_id IN (\(list))", SQLArguments(ids)) ?? 0
                guard stillDue == records.count, attemptCount == records.reduce(0, { $0 + $1.attempts.count }) else {
                    throw ArchiveConflict()
                }
                // An event archived again after a restore is already counted for its day.
                let restored = Set<String>(
                    try db.fetchValues("SELECT event_id FROM event_restores WHERE event_id IN (\(list))", SQLArguments(ids)))
                var perEnvironment: [String: Int] = [:]
                for record in records {
                    perEnvironment[record.tenant.environmentID, default: 0] += restored.contains(record.eventID) ? 0 : 1
                }
                try db.execute("DELETE FROM delivery_attempts WHERE event_id IN (\(list))", SQLArguments(ids))
                try db.execute("DELETE FROM event_restores WHERE event_id IN (\(list))", SQLArguments(ids))
                try db.execute("DELETE FROM events WHERE id IN (\(list))", SQLArguments(ids))
                let organizationID = records[0].tenant.organizationID
                let day = ArchiveDay(containing: records[0].receivedAt).text
                for (environmentID, count) in perEnvironment {
                    try db.execute(
                        """
                            INSERT INTO event_archive_days (org_id, env_id, day, event_count, first_archived_at, last_archived_at)
                            VALUES (?, ?, ?, ?, ?, ?)
                            ON CONFLICT (org_id, env_id, day) DO UPDATE SET
                                event_count = event_archive_days.event_count + excluded.event_count, last_archived_at = excluded.last_archived_at
                            """,
                        [organizationID, environmentID, day, count, now, now])
                }
                let blobKeys = JSON.array(records.compactMap(\.blobKey).map(JSON.string)).serialized()
                try db.execute(
                    "UPDATE event_archive_batches SET state = 'deleted', blob_keys = ? WHERE id = ?", [blobKeys, journalID])
            }
        }
    }

    public func finishArchiveBatch(journalID: Int64) async throws {
        try await database.write { db in try db.execute("DELETE FROM event_archive_batches WHERE id = ?", [journalID]) }
    }

    public func interruptedArchiveBatches() async throws -> [ArchiveJournalEntry] {
        try await database.read { db in
            try db.fetchAll("SELECT * FROM event_archive_batches ORDER BY id") { row -> ArchiveJournalEntry? in
                guard let day = ArchiveDay(parsing: row["day"]), let state = ArchiveJournalEntry.State(rawValue: row["state"]) else { return nil }
                return ArchiveJournalEntry(
                    id: row["id"], organizationID: row["org_id"], day: day, fileOffset: row["file_offset"], state: state,
                    blobKeys: ((try? JSON(parsing: row["blob_keys"] as String))?.arrayValue ?? []).compactMap(\.stringValue))
            }.compactMap { $0 }
        }
    }

    public func archivedDays(tenant: Tenant) async throws -> [ArchivedDaySummary] {
        try await database.read { db in
            try db.fetchAll(
                "SELECT * FROM event_archive_days WHERE org_id = ? AND env_id = ? ORDER BY day DESC",
                [tenant.organizationID, tenant.environmentID], Self.archivedDay
            ).compactMap { $0 }
        }
    }

    public func archivedDay(tenant: Tenant, day: ArchiveDay) async throws -> ArchivedDaySummary? {
        try await database.read { db in
            try db.fetchOne(
                "SELECT * FROM event_archive_days WHERE org_id = ? AND env_id = ? AND day = ?",
                [tenant.organizationID, tenant.environmentID, day.text]
            ).flatMap(Self.archivedDay)
        }
    }

    public func existingEventIDs(_ ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try await database.read { db in
            Set<String>(try db.fetchValues("SELECT id FROM events WHERE id IN (\(Self.placeholders(ids.count)))", SQLArguments(ids)))
        }
    }

    public func restoreArchivedEvents(_ records: [ArchiveRecord], day: ArchiveDay, at now: Int64) async throws -> Int {
        guard !records.isEmpty else { return 0 }
        return try await Self.reportingFullDisk {
            try await database.write { db in
                let eventColumns = try db.columnNames(in: "events")
                let attemptColumns = try db.columnNames(in: "delivery_attempts")
                var inserted = 0
                var tenants: Set<Tenant> = []
                for record in records {
                    var columns = record.columns
                    columns["body"] = nil
                    var values = try Self.databaseValues(columns, keeping: eventColumns)
                    // An inline body goes back in its column; a blob body's file was written
                    // before this transaction, and `body_blob` (kept in the columns) points at it.
                    if record.blobKey == nil, let body = record.body { values.append(("body", .blob(Data(body)))) }
                    let changed = try db.execute(
                        "INSERT INTO events (\(values.map(\.0).joined(separator: ","))) VALUES (\(Self.placeholders(values.count))) ON CONFLICT (id) DO NOTHING",
                        SQLArguments(values.map(\.1)))
                    guard changed == 1 else { continue }
                    inserted += 1
                    tenants.insert(record.tenant)
                    for attempt in record.attempts {
                        let values = try Self.databaseValues(attempt, keeping: attemptColumns)
                        try db.execute(
                            "INSERT INTO delivery_attempts (\(values.map(\.0).joined(separator: ","))) VALUES (\(Self.placeholders(values.count))) ON CONFLICT (id) DO NOTHING",
                            SQLArguments(values.map(\.1)))
                    }
                    try db.execute(
                        """
                            INSERT INTO event_restores (event_id, org_id, env_id, day, restored_at) VALUES (?, ?, ?, ?, ?)
                            ON CONFLICT (event_id) DO UPDATE SET restored_at = excluded.restored_at
                            """,
                        [record.eventID, record.tenant.organizationID, record.tenant.environmentID, day.text, now])
                }
                for tenant in tenants {
                    try db.execute(
                        "UPDATE event_archive_days SET last_restored_at = ? WHERE org_id = ? AND env_id = ? AND day = ?",
                        [now, tenant.organizationID, tenant.environmentID, day.text])
                }
                return inserted
            }
        }
    }

    // MARK: Rows as archive columns

    static func archiveRecord(_ row: SQLRow) -> ArchiveRecord {
        var columns = archiveColumns(row)
        columns["body"] = nil
        let body = (row["body"] as Data?).map { [UInt8]($0) }
        let blobKey: String? = row["body_blob"]
        return ArchiveRecord(
            eventID: row["id"], tenant: Tenant(organizationID: row["org_id"], environmentID: row["env_id"]), receivedAt: row["received_at"],
            bodySize: row["body_size"], columns: columns, body: blobKey == nil ? body : nil, blobKey: blobKey, attempts: [])
    }

    /// Every column of a row as a JSON scalar; a BLOB becomes `{"base64": …}` so it survives
    /// the text file exactly.
    static func archiveColumns(_ row: SQLRow) -> JSONObject {
        var object = JSONObject()
        for (name, value) in row.namedValues {
            switch value {
            case .null: object[name] = .null
            case .integer(let i): object[name] = .number(Double(i))
            case .double(let d): object[name] = .number(d)
            case .text(let s): object[name] = .string(s)
            case .blob(let data): object[name] = .object(["base64": .string(data.base64EncodedString())])
            }
        }
        return object
    }

    /// The archived columns that the table has now (a column a later migration dropped is
    /// skipped; one it added takes its default), as values to bind.
    static func databaseValues(_ columns: JSONObject, keeping names: Set<String>) throws -> [(String, SQLValue)] {
        try columns.compactMap { name, value -> (String, SQLValue)? in
            guard names.contains(name) else { return nil }
            switch value {
            case .null: return (name, .null)
            case .bool(let b): return (name, .integer(b ? 1 : 0))
            case .number(let n):
                // SQLite's column affinity turns an integral value back into REAL where the
                // column is REAL, so integers are bound as integers.
                if n.rounded() == n, abs(n) < 9_007_199_254_740_992 { return (name, .integer(Int64(n))) }
                return (name, .double(n))
            case .string(let s): return (name, .text(s))
            case .object(let o):
                guard let text = o["base64"]?.stringValue, let data = Data(base64Encoded: text) else { throw ArchiveFormatError("column \(name) is not a value") }
                return (name, .blob(data))
            case .array: throw ArchiveFormatError("column \(name) is not a value")
            }
        }
    }

    static func archivedDay(_ row: SQLRow) -> ArchivedDaySummary? {
        guard let day = ArchiveDay(parsing: row["day"]) else { return nil }
        return ArchivedDaySummary(
            day: day, eventCount: row["event_count"], firstArchivedAt: row["first_archived_at"], lastArchivedAt: row["last_archived_at"],
            lastRestoredAt: row["last_restored_at"])
    }
}
