import GRDB

/// SQLite's spelling of the dialect fragments, and how GRDB reports the failures the store
/// classifies.
struct SQLiteDialect: SQLDialect {
    func greatest(_ a: String, _ b: String) -> String { "MAX(\(a), \(b))" }

    var caseInsensitiveLike: String { "LIKE" }

    func text(ofBlob column: String) -> String { "CAST(\(column) AS TEXT)" }

    var skippingLockedRows: String { "" }

    var lockingRows: String { "" }

    var reusesCompiledStatements: Bool { true }

    func recordMatch(_ search: String) -> (condition: String, argument: String)? {
        SQLiteRecordSearch.matchExpression(search).map { (SQLiteRecordSearch.condition, $0) }
    }

    static func failure(_ error: any Error) -> SQLFailure? {
        guard let error = error as? DatabaseError else { return nil }
        if error.resultCode == .SQLITE_FULL { return .storageFull }
        if error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
            return .uniqueViolation
        }
        return nil
    }
}

// MARK: - GRDB adapter

extension SQLValue {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let n): self = .integer(n)
        case .double(let d): self = .double(d)
        case .string(let text): self = .text(text)
        case .blob(let data): self = .blob(data)
        }
    }

    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let n): n.databaseValue
        case .double(let d): d.databaseValue
        case .text(let text): text.databaseValue
        case .blob(let data): data.databaseValue
        }
    }
}

extension SQLArguments {
    /// Through GRDB's initializer for optional existentials: its initializer for a sequence of
    /// one concrete type maps with the key path `\.databaseValue`, which, being generic and
    /// not inlinable, is instantiated at run time on every statement (`swift_getKeyPath`
    /// walking its pattern): 3.6 % of the server's samples under collections ingest.
    var grdb: StatementArguments { StatementArguments(values.map { $0.databaseValue as (any DatabaseValueConvertible)? }) }
}

// Bridges for the SQLite-only code (the FTS5 index, migrations) that calls GRDB directly.
extension SQLConnection {
    init(_ db: Database) { self.init(backing: .grdb(db)) }

    var grdb: Database {
        guard case .grdb(let db) = backing else { preconditionFailure("a GRDB database on another backend") }
        return db
    }
}

extension SQLRow {
    init(_ row: Row) { self.init(backing: .grdb(row)) }

    var grdb: Row {
        guard case .grdb(let row) = backing else { preconditionFailure("a GRDB row on another backend") }
        return row
    }
}
