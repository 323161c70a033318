import Foundation
import HookstreamCore
import JSONValue
import Logging
import PGOutput
import PostgresNIO

/// Reads a database source's snapshot (``CaptureSnapshot``): every row of its tables, in pages
/// of ``pageRows`` through a server-side cursor, all under one `REPEATABLE READ` view, each
/// page handed to ``Commit`` with the progress after it (stored together), so memory holds one
/// page and a restart resumes after the last page stored.
///
/// Rows are read as PostgreSQL's text of each column and mapped by column type exactly as
/// streamed changes are (``PGValueMapping``, on a connection with the same session settings),
/// so a snapshot row and a later change of it look alike. Tables are read in primary-key
/// order, which is what lets a resumed read start after the last stored key.
struct SnapshotReader {
    /// Stores a page's events and the snapshot's progress after it, in one store transaction.
    typealias Commit = @Sendable (_ events: [CapturedEvent], _ snapshot: CaptureSnapshot) async throws -> Void

    let source: Source
    let database: String
    let pageRows: Int
    let clock: any GatewayClock
    let logger: Logger

    /// The view a reading runs under, and when it was taken (microseconds since 2000-01-01).
    struct Start {
        var view: CaptureSnapshot.View
        var takenAt: Int64
    }

    /// Opens the `REPEATABLE READ` transaction on `db` and takes its view; ``run(_:from:on:catalog:commit:)``
    /// then reads under it. On any error the capture loop drops the connection, which ends the
    /// transaction.
    func begin(on db: PostgresConnection) async throws -> Start {
        try await db.perform("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
        // The view is taken by this first statement; the WAL position read with it bounds
        // the transactions the view can include (CaptureSnapshot.View).
        let rows = try await db.guardedQuery(
            """
            SELECT pg_current_snapshot()::text, pg_current_wal_insert_lsn()::text,
              ((extract(epoch FROM now()) * 1000000)::int8 - 946684800000000)::int8
            """, logger: logger)
        var view: CaptureSnapshot.View?
        var takenAt: Int64 = 0
        for try await (text, lsn, micros) in rows.decode((String, String, Int64).self) {
            view = LSN(lsn).map { CaptureSnapshot.View(snapshot: text, lsn: $0.value) }
            takenAt = micros
        }
        guard let view else { throw SnapshotError.noView }
        return Start(view: view, takenAt: takenAt)
    }

    /// Reads what is left of `snapshot` under `start` (``begin(on:)``, on the same `db`) and
    /// marks it done. `snapshot` follows every page committed (and nothing else), so after a
    /// failure it is what the store holds.
    func run(_ snapshot: inout CaptureSnapshot, from start: Start, on db: PostgresConnection, catalog: inout PGTypeCatalog, commit: Commit) async throws {
        let (view, takenAt) = (start.view, start.takenAt)
        let startedAt = clock.nowMillis
        for index in snapshot.tables.indices where !snapshot.tables[index].done {
            // What the first page stores besides its rows: the snapshot running, and the view
            // the table's reading began under, which it keeps (see CaptureSnapshot).
            var base = snapshot
            if base.status == .pending {
                base.status = .running
                base.startedAt = startedAt
            }
            if base.tables[index].view == nil { base.tables[index].view = view }
            try await read(index, from: base, committed: &snapshot, on: db, catalog: &catalog, takenAt: takenAt, lsn: LSN(view.lsn), commit: commit)
        }
        var done = snapshot
        done.status = .done
        done.startedAt = done.startedAt ?? startedAt
        done.finishedAt = clock.nowMillis
        try await commit([], done)
        snapshot = done
        try await db.perform("COMMIT", logger: logger)
    }

    enum SnapshotError: Error, CustomStringConvertible {
        case noView

        var description: String { "PostgreSQL returned no snapshot for the snapshot's transaction" }
    }

    struct Column {
        var name: String
        var typeOID: UInt32
        /// `format_type` of the column, for typed key literals.
        var typeName: String
        /// Position in the primary key (1-based), 0 when not part of it.
        var keyPosition: Int
        /// Part of the replica identity as pgoutput flags it (primary key by default, the
        /// identity index with `USING INDEX`, none with `FULL` or `NOTHING`).
        var identity: Bool
    }

    private func read(
        _ index: Int, from base: CaptureSnapshot, committed snapshot: inout CaptureSnapshot, on db: PostgresConnection,
        catalog: inout PGTypeCatalog, takenAt: Int64, lsn: LSN, commit: Commit
    ) async throws {
        var current = base
        let name = current.tables[index].name
        let table = CaptureRequirements.TableName(parsing: name)
        var columns: [Column] = []
        if let table { columns = try await self.columns(of: table, on: db) }
        guard let table, !columns.isEmpty else {
            // Dropped since the source was made: nothing to read (stats.missing_tables says so).
            current.tables[index].done = true
            try await commit([], current)
            snapshot = current
            return
        }
        let unknown = Set(columns.map(\.typeOID).filter { !catalog.isKnown($0) })
        if !unknown.isEmpty { try await PGTypeLookup.describe(unknown.sorted(), into: &catalog, on: db, logger: logger) }
        let key = columns.filter { $0.keyPosition > 0 }.sorted { (a: Column, b: Column) in a.keyPosition < b.keyPosition }
        // Without a primary key there is no order to resume in: such a table is read whole.
        if key.isEmpty { current.tables[index].afterKey = nil }
        try await db.perform(PostgresQuery(unsafeSQL: Self.cursorSQL(table, columns: columns, key: key, after: current.tables[index].afterKey)), logger: logger)
        while true {
            // A pause or delete stops the snapshot between pages; it resumes after the last.
            try Task.checkCancellation()
            var page: [RowChange] = []
            var lastKey: [String]?
            let rows = try await db.guardedQuery(PostgresQuery(unsafeSQL: "FETCH FORWARD \(pageRows) FROM hookstream_snapshot"), logger: logger)
            for try await row in rows {
                var after = JSONObject(minimumCapacity: columns.count)
                var texts: [String?] = []
                for (cell, column) in zip(row, columns) {
                    let text = try cell.decode(String?.self)
                    texts.append(text)
                    after[column.name] = text.map { PGValueMapping.json(Array($0.utf8), as: catalog.type(of: column.typeOID)) } ?? .null
                }
                if !key.isEmpty {
                    lastKey = key.map { column in texts[columns.firstIndex { $0.name == column.name }!] ?? "" }
                }
                var change = RowChange(lsn: lsn, schema: table.schema, table: table.name, operation: .insert, before: nil, after: after)
                // The identity as a streamed change of the row carries it (same columns, same
                // order), so both order their deliveries by the same key.
                if columns.contains(where: \.identity) {
                    change.identity = after.filter { member in columns.contains { $0.name == member.key && $0.identity } }
                }
                page.append(change)
            }
            // Progress moves only once the page is stored with it.
            var next = current
            next.tables[index].rows += Int64(page.count)
            if let lastKey { next.tables[index].afterKey = lastKey }
            let finished = page.count < pageRows
            if finished { next.tables[index].done = true }
            let events = CaptureBatch.snapshotRows(page, takenAt: takenAt, source: source, database: database, now: clock.now)
            try await commit(events, next)
            snapshot = next
            current = next
            if finished { break }
        }
        try await db.perform("CLOSE hookstream_snapshot", logger: logger)
    }

    /// The table's published columns in order (generated columns are not published, so not
    /// read either), with their primary-key positions.
    private func columns(of table: CaptureRequirements.TableName, on db: PostgresConnection) async throws -> [Column] {
        let rows = try await db.guardedQuery(
            """
            SELECT a.attname::text, a.atttypid::int8, format_type(a.atttypid, a.atttypmod)::text,
              coalesce(array_position(i.indkey::int2[], a.attnum) - array_lower(i.indkey::int2[], 1) + 1, 0)::int8,
              array_position(r.indkey::int2[], a.attnum) IS NOT NULL
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
              LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
              LEFT JOIN pg_index r ON r.indrelid = a.attrelid
                AND ((c.relreplident = 'd' AND r.indisprimary) OR (c.relreplident = 'i' AND r.indisreplident))
            WHERE a.attrelid = to_regclass(\(table.quoted)) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
            ORDER BY a.attnum
            """, logger: logger)
        var out: [Column] = []
        for try await (name, oid, typeName, position, identity) in rows.decode((String, Int64, String, Int64, Bool).self) {
            out.append(Column(name: name, typeOID: UInt32(oid), typeName: typeName, keyPosition: Int(position), identity: identity))
        }
        return out
    }

    /// `DECLARE` of the cursor over the table's rows as text, in key order, after `after`.
    /// Identifiers are quoted; the key values are PostgreSQL's own text of them, as literals of
    /// their column's type.
    static func cursorSQL(_ table: CaptureRequirements.TableName, columns: [Column], key: [Column], after: [String]?) -> String {
        func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        var sql = "DECLARE hookstream_snapshot NO SCROLL CURSOR FOR SELECT "
            // Aliased: an output column named like a table column would win in ORDER BY, which
            // would then sort the keys' text ("10" before "9").
            + columns.enumerated().map { "\(quoted($1.name))::text AS hookstream_\($0)" }.joined(separator: ", ") + " FROM \(table.quoted)"
        if let after, after.count == key.count, !key.isEmpty {
            let literals = zip(after, key).map { value, column in
                "'" + value.replacingOccurrences(of: "'", with: "''") + "'::" + column.typeName
            }
            sql += " WHERE (\(key.map { quoted($0.name) }.joined(separator: ", "))) > (\(literals.joined(separator: ", ")))"
        }
        if !key.isEmpty { sql += " ORDER BY " + key.map { quoted($0.name) }.joined(separator: ", ") }
        return sql
    }
}
