import Foundation
public import HookstreamCore

/// `hookstream export` and `hookstream import`: every table of one database, streamed as the
/// lines `TransferLine` describes, into another — an embedded SQLite installation moves to
/// PostgreSQL and back.
///
/// Rows travel as they are stored. Secrets stay sealed, so the new installation must run with
/// the same master key (the `settings` table carries its check value, and a node with another
/// key refuses to start). A body kept as a file in the data directory travels inside its event
/// row; an import writes large bodies back to files on SQLite and keeps them in the row on
/// PostgreSQL, where nodes share no directory.
extension SQLStore {
    /// The tables an export carries, in the order the migrations create them: a table is
    /// created after the tables it refers to, so importing in this order satisfies every
    /// foreign key. The search index tables are not data; each backend rebuilds its own from
    /// the records.
    static let transferTables: [String] = {
        var names: [String] = []
        let pattern = try! NSRegularExpression(pattern: #"CREATE TABLE (?:IF NOT EXISTS )?(\w+)"#)
        for migration in Schema.migrations {
            let text = migration.sql as NSString
            for match in pattern.matches(in: migration.sql, range: NSRange(location: 0, length: text.length)) {
                let name = text.substring(with: match.range(at: 1))
                if !name.hasPrefix("collection_records_fts") && !names.contains(name) { names.append(name) }
            }
        }
        return names
    }()

    /// Writes every row of the database to `write`, in chunks of about a megabyte, from one
    /// consistent snapshot (a node may go on running meanwhile).
    ///
    /// - Parameter blobs: where events' body files are; nil when every body is in its row
    ///   (PostgreSQL).
    public func exportDatabase(blobs: BlobStore?, exportedAt: Date = Date(), to write: @escaping @Sendable ([UInt8]) throws -> Void) async throws
        -> DatabaseTransferSummary
    {
        try await database.read { db in
            var out = TransferLine.header(migrations: Schema.migrations.map(\.name), exportedAt: Timestamp.iso(exportedAt))
            func flush(atLeast size: Int) throws {
                guard out.count >= size else { return }
                try write(out)
                out.removeAll(keepingCapacity: true)
            }
            let existing = try db.tableNames()
            var summary = DatabaseTransferSummary(tables: [])
            for table in Self.transferTables where existing.contains(table) {
                let columns = try db.orderedColumnNames(in: table)
                out += TransferLine.table(table, columns: columns)
                let file = table == "events" ? EventBodyColumns(columns) : nil
                var count = 0
                try db.forEachStreamed("SELECT \(columns.map(Self.quoted).joined(separator: ", ")) FROM \(table)") { row in
                    var values = columns.indices.map(row.value(at:))
                    if let file, case .text(let key) = values[file.blob] {
                        // A body kept as a file travels inside its row.
                        guard let blobs, let bytes = try? blobs.read(key: key) else {
                            throw DatabaseTransferError("the body of event \(values[file.id]) is missing: no file \(key) in the data directory's blobs")
                        }
                        values[file.body] = .blob(Data(bytes))
                        values[file.blob] = .null
                    }
                    TransferLine.row(values, to: &out)
                    count += 1
                    try flush(atLeast: 1 << 20)
                }
                summary.tables.append((table, count))
            }
            out += TransferLine.end(summary.tables)
            try flush(atLeast: 0)
            return summary
        }
    }

    /// Reads an export into this database, all of it in one transaction: an input that is not
    /// an export, is cut short, or does not fit the schema changes nothing.
    ///
    /// The database must hold no data (a fresh one, or one only `hookstream migrate` has
    /// touched), and no node may be running on it.
    ///
    /// - Parameter blobs: where bodies over the inline limit go as files; nil to keep every
    ///   body in its row (PostgreSQL).
    public func importDatabase(blobs: BlobStore?, from input: TransferLineReader) async throws -> DatabaseTransferSummary {
        try await Self.reportingFullDisk {
            try await database.write { db in
                var importer = TransferImport(db: db, input: input, blobs: blobs)
                do {
                    return try importer.run()
                } catch let error as TransferFormatError {
                    throw DatabaseTransferError("line \(input.lineNumber) of the input: \(error.reason); nothing was imported")
                }
            }
        }
    }

    static func quoted(_ identifier: String) -> String { "\"\(identifier)\"" }
}

/// Where an event row keeps its body, by column index.
private struct EventBodyColumns {
    let id: Int, organization: Int, receivedAt: Int, body: Int, blob: Int

    init?(_ columns: [String]) {
        guard let id = columns.firstIndex(of: "id"), let organization = columns.firstIndex(of: "org_id"),
            let receivedAt = columns.firstIndex(of: "received_at"), let body = columns.firstIndex(of: "body"),
            let blob = columns.firstIndex(of: "body_blob")
        else { return nil }
        (self.id, self.organization, self.receivedAt, self.body, self.blob) = (id, organization, receivedAt, body, blob)
    }
}

/// One import's pass over the input, inside the write transaction (`SQLStore.importDatabase`).
private struct TransferImport {
    let db: SQLConnection
    let input: TransferLineReader
    let blobs: BlobStore?

    /// The table whose rows come next: its insert, and which of the file's columns it has.
    private struct Target {
        let name: String
        let width: Int
        let kept: [Int]
        let statement: SQLStatement?
        let body: EventBodyColumns?
    }

    private var summary = DatabaseTransferSummary(tables: [])

    init(db: SQLConnection, input: TransferLineReader, blobs: BlobStore?) {
        self.db = db
        self.input = input
        self.blobs = blobs
    }

    mutating func run() throws -> DatabaseTransferSummary {
        guard let first = try input.next() else { throw DatabaseTransferError("the input is empty; nothing was imported") }
        guard case .header(let migrations) = try? TransferLine.parse(first) else {
            throw DatabaseTransferError("the input is not a hookstream export (its first line is not the export's header); nothing was imported")
        }
        let unknown = Set(migrations).subtracting(Schema.migrations.map(\.name))
        guard unknown.isEmpty else {
            throw DatabaseTransferError(
                "the export was written by a newer hookstream (unknown migrations: \(unknown.sorted().joined(separator: ", "))); import it with that version or newer")
        }
        let existing = try db.tableNames()
        for table in SQLStore.transferTables where existing.contains(table) {
            if try db.fetchOne("SELECT 1 FROM \(table) LIMIT 1") != nil {
                throw DatabaseTransferError("the database already holds data (table \(table) has rows); import into an empty database, with no node running on it")
            }
        }
        var target: Target?
        var imported: Set<String> = []
        while let line = try input.next() {
            switch try TransferLine.parse(line) {
            case .header: throw TransferFormatError("a second header")
            case .table(let name, let columns):
                guard SQLStore.transferTables.contains(name) else { throw TransferFormatError("this hookstream has no table \(name)") }
                guard !imported.contains(name) else { throw TransferFormatError("table \(name) appears twice") }
                imported.insert(name)
                target = try self.target(name, columns: columns, exists: existing.contains(name))
                summary.tables.append((name, 0))
            case .row(var values):
                guard let current = target else { throw TransferFormatError("a row comes before any table") }
                guard values.count == current.width else {
                    throw TransferFormatError("a row of \(current.name) has \(values.count) values for \(current.width) columns")
                }
                if let body = current.body { try keepLargeBodyAsFile(&values, body) }
                try current.statement?.execute(SQLArguments(current.kept.map { values[$0] }))
                summary.tables[summary.tables.count - 1].rows += 1
            case .end(let expected):
                let counted = Dictionary(summary.tables.map { ($0.table, $0.rows) }, uniquingKeysWith: +)
                guard expected == counted else {
                    let differing = Set(expected.keys).union(counted.keys).filter { expected[$0] != counted[$0] }.sorted()
                    throw TransferFormatError(
                        "the export's last line counts rows the input does not hold ("
                            + differing.map { "\($0): \(expected[$0] ?? 0) counted, \(counted[$0] ?? 0) read" }.joined(separator: "; ") + ")")
                }
                guard try input.next() == nil else { throw TransferFormatError("lines follow the end of the export") }
                if case .postgres = db.backing { try PostgresSchema.restartIdentities(db) }
                // An export from before migration `032` has no collection counts: derive them.
                try db.execute(Schema.countSourceCollections)
                return summary
            }
        }
        throw DatabaseTransferError("the input ends before the export's last line: the file is incomplete; nothing was imported")
    }

    /// The insert for a table's rows, into the columns this schema still has (a column added
    /// by a later migration takes its default; one a migration dropped is left out). A table
    /// this schema dropped takes no rows.
    private func target(_ name: String, columns: [String], exists: Bool) throws -> Target {
        guard exists else { return Target(name: name, width: columns.count, kept: [], statement: nil, body: nil) }
        let present = try db.columnNames(in: name)
        let kept = columns.indices.filter { present.contains(columns[$0]) }
        let sql = "INSERT INTO \(name) (\(kept.map { SQLStore.quoted(columns[$0]) }.joined(separator: ", "))) VALUES (\(SQLStore.placeholders(kept.count)))"
        return Target(
            name: name, width: columns.count, kept: kept, statement: try db.cachedStatement(sql), body: name == "events" ? EventBodyColumns(columns) : nil)
    }

    /// On SQLite a body over the inline limit is a file, as ingest would have stored it; the
    /// file is written before the transaction commits, and a failed import leaves only files
    /// no row names.
    private func keepLargeBodyAsFile(_ values: inout [SQLValue], _ columns: EventBodyColumns) throws {
        guard let blobs, !blobs.inlinesEveryBody, case .blob(let body) = values[columns.body], body.count > blobs.inlineLimit,
            case .text(let id) = values[columns.id], case .text(let organization) = values[columns.organization],
            case .integer(let receivedAt) = values[columns.receivedAt]
        else { return }
        let key = blobs.key(for: id, organizationID: organization, receivedAt: receivedAt)
        try blobs.write([UInt8](body), key: key)
        values[columns.body] = .null
        values[columns.blob] = .text(key)
    }
}
