/// Rows for one table gathered during a transaction and inserted many to a statement: a group
/// commit's events cost a round trip or two on PostgreSQL instead of one per event (and fewer
/// statement steps on SQLite). Parameters per statement stay under 8,000, far below either
/// backend's limit.
///
/// On SQLite each statement inserts a power of two of rows (23 rows: 16, 4, 2 and 1), so there
/// are only a few statement texts per table and each is compiled once and kept in the
/// connection's statement cache: with one text per batch size, compiling the insert was 4 % of
/// the CPU of routed ingest. PostgreSQL gets one statement per 8,000 parameters, the fewest
/// round trips.
struct RowInserts {
    let table: String
    let columns: [String]
    private var values: [SQLValue] = []

    init(into table: String, columns: [String]) {
        self.table = table
        self.columns = columns
    }

    var isEmpty: Bool { values.isEmpty }

    /// One row, its values in `columns` order.
    mutating func append(_ row: SQLArguments) {
        precondition(row.values.count == columns.count, "a row of \(table) needs \(columns.count) values")
        values += row.values
    }

    func execute(_ db: SQLConnection) throws {
        let cached = db.dialect.reusesCompiledStatements
        var mostRows = 1
        while mostRows * 2 * columns.count <= 8_000 { mostRows *= 2 }
        var start = 0
        while start < values.count {
            let left = (values.count - start) / columns.count
            var rows = min(mostRows, left)
            if cached { while rows & (rows - 1) != 0 { rows &= rows - 1 } }
            let end = start + rows * columns.count
            let arguments = SQLArguments(values[start..<end])
            if cached {
                try db.cachedStatement(statement(rows: rows)).execute(arguments)
            } else {
                try db.execute(statement(rows: rows), arguments)
            }
            start = end
        }
    }

    private func statement(rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        return "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES " + Array(repeating: row, count: rows).joined(separator: ", ")
    }
}
