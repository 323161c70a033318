/// Rows for one table gathered during a transaction and inserted several hundred to a
/// statement: a group commit's events cost a round trip or two on PostgreSQL instead of one per
/// event (and fewer statement steps on SQLite). Parameters per statement stay under 8,000, far
/// below either backend's limit.
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
        let rowsPerStatement = max(1, 8_000 / columns.count)
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        var start = 0
        while start < values.count {
            let end = min(values.count, start + rowsPerStatement * columns.count)
            let rows = (end - start) / columns.count
            try db.execute(head + Array(repeating: row, count: rows).joined(separator: ", "), SQLArguments(values[start..<end]))
            start = end
        }
    }
}
