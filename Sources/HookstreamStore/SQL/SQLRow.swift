import GRDB
import PostgresNIO

/// One result row, read by column name.
///
/// A row from `fetchAll`'s transform or `forEach` is only valid during that call (a backend
/// may read it straight from its cursor); one from `fetchOne` may be kept.
struct SQLRow {
    enum Backing {
        case grdb(Row)
        case postgres(PostgresRandomAccessRow)
    }

    let backing: Backing
    /// Where each named column is, shared by the rows of one cursor.
    var columns: ColumnPositions? = nil

    /// The value of the named column; a NULL, or a missing column, is a programming error.
    subscript<T: SQLValueConvertible>(_ column: String) -> T {
        let value = self.value(column)
        guard let converted = T(sqlValue: value) else {
            fatalError("column \(column): cannot read \(value) as \(T.self)")
        }
        return converted
    }

    /// The value of the named column, nil when it is NULL or the query has no such column.
    subscript<T: SQLValueConvertible>(_ column: String) -> T? {
        let value = self.value(column)
        if case .null = value { return nil }
        guard let converted = T(sqlValue: value) else {
            fatalError("column \(column): cannot read \(value) as \(T.self)")
        }
        return converted
    }

    /// The value of the named column; `.null` when the query has no such column.
    func value(_ column: String) -> SQLValue {
        switch backing {
        case .grdb(let row):
            columns?.byName[column].map { SQLValue(row[$0] as DatabaseValue) }
                ?? (row[column] as DatabaseValue?).map(SQLValue.init) ?? .null
        case .postgres(let row): row.contains(column) ? SQLValue(row[column]) : .null
        }
    }

    /// Every column of the row, in the query's order, with its name.
    var namedValues: [(name: String, value: SQLValue)] {
        switch backing {
        case .grdb(let row): zip(row.columnNames, row.databaseValues).map { ($0, SQLValue($1)) }
        case .postgres(let row): row.map { ($0.columnName, SQLValue($0)) }
        }
    }

    /// The value of the column at `index`, counted from 0.
    func value(at index: Int) -> SQLValue {
        switch backing {
        case .grdb(let row): SQLValue(row[index] as DatabaseValue)
        case .postgres(let row): SQLValue(row[index])
        }
    }
}

/// The position of each column of a statement's result by name, looked up once per cursor:
/// GRDB's own lookup by name lower-cases the name on every call, which reading a batch of
/// claimed attempts column by column paid for each value. The first of two columns with one
/// name wins, as in GRDB.
final class ColumnPositions: Sendable {
    let byName: [String: Int]

    init(_ names: [String]) {
        var byName: [String: Int] = [:]
        for (index, name) in names.enumerated() where byName[name] == nil { byName[name] = index }
        self.byName = byName
    }
}
