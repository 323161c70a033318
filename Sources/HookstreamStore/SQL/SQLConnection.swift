import GRDB
import PostgresNIO

/// The store's view of one database connection inside a read or a write transaction.
///
/// It is synchronous on purpose: GRDB hands its `Database` to a synchronous closure and it is
/// valid only inside it, so the store's transaction bodies (dedup, routing, collection
/// upserts, between their statements) are plain synchronous code that either backend can
/// run. A backend with an asynchronous driver runs these bodies on threads of its own.
///
/// SQL text is shared between backends where they agree, with `?` placeholders; what differs
/// comes from `dialect`.
struct SQLConnection {
    enum Backing {
        case grdb(Database)
        case postgres(PostgresSession)
    }

    let backing: Backing

    var dialect: any SQLDialect {
        switch backing {
        case .grdb: SQLiteDialect()
        case .postgres: PostgresDialect()
        }
    }

    /// Runs one statement and returns how many rows it inserted, updated or deleted.
    @discardableResult
    func execute(_ sql: String, _ arguments: SQLArguments = []) throws -> Int {
        switch backing {
        case .grdb(let db):
            if arguments.values.isEmpty {
                try db.execute(sql: sql)
            } else {
                // Compiled and run as the one statement it is: `execute(sql:arguments:)` reads
                // the text as a list of statements and hands each its share of the arguments
                // through GRDB's generic initializer, whose key path was instantiated at run
                // time for every insert batch.
                try db.makeStatement(sql: sql).execute(arguments: arguments.grdb)
            }
            return db.changesCount
        case .postgres(let session): return try session.run(sql, arguments).metadata.rows ?? 0
        }
    }

    /// A statement the backend may keep prepared for the rest of the connection's life; for
    /// statements run once per row of a batch.
    func cachedStatement(_ sql: String) throws -> SQLStatement {
        switch backing {
        case .grdb(let db): SQLStatement(backing: .grdb(try db.cachedStatement(sql: sql), db))
        case .postgres(let session): SQLStatement(backing: .postgres(sql, session))
        }
    }

    /// The first row, if any.
    func fetchOne(_ sql: String, _ arguments: SQLArguments = []) throws -> SQLRow? {
        switch backing {
        case .grdb(let db): try Row.fetchOne(db, sql: sql, arguments: arguments.grdb).map { SQLRow(backing: .grdb($0)) }
        case .postgres(let session): try session.run(sql, arguments).rows.first.map { SQLRow(backing: .postgres($0.makeRandomAccess())) }
        }
    }

    /// Every row, each turned into a value while the backend reads it.
    func fetchAll<T>(_ sql: String, _ arguments: SQLArguments = [], _ transform: (SQLRow) throws -> T) throws -> [T] {
        var values: [T] = []
        try forEach(sql, arguments) { values.append(try transform($0)) }
        return values
    }

    /// Calls `body` with each row in turn (a cursor on SQLite).
    func forEach(_ sql: String, _ arguments: SQLArguments = [], _ body: (SQLRow) throws -> Void) throws {
        switch backing {
        case .grdb(let db): try SQLStatement.forEach(Row.fetchCursor(db, sql: sql, arguments: arguments.grdb), body)
        case .postgres(let session): for row in try session.run(sql, arguments).rows { try body(SQLRow(backing: .postgres(row.makeRandomAccess()))) }
        }
    }

    /// The first column of the first row; nil when there is no row or the value is NULL.
    func fetchValue<T: SQLValueConvertible>(_ sql: String, _ arguments: SQLArguments = []) throws -> T? {
        try fetchOne(sql, arguments).flatMap { T(sqlValue: $0.value(at: 0)) }
    }

    /// The names of a table's columns as the schema has them now (an archive written before a
    /// migration is restored into the columns that still exist).
    func columnNames(in table: String) throws -> Set<String> { Set(try orderedColumnNames(in: table)) }

    /// A table's columns in the order the table declares them.
    func orderedColumnNames(in table: String) throws -> [String] {
        switch backing {
        case .grdb(let db): try db.columns(in: table).map(\.name)
        case .postgres:
            try fetchValues(
                """
                    SELECT column_name::text FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position
                    """, [table])
        }
    }

    /// The names of the tables in the database (the store's schema).
    func tableNames() throws -> Set<String> {
        switch backing {
        case .grdb: Set(try fetchValues("SELECT name FROM sqlite_master WHERE type = 'table'") as [String])
        case .postgres:
            Set(try fetchValues("SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()") as [String])
        }
    }

    /// Calls `body` with each row in turn, holding a bounded number of rows at a time whatever
    /// the result's size: SQLite steps a cursor; PostgreSQL, whose driver returns a statement's
    /// rows all at once, reads through a server-side cursor 500 rows at a fetch. For reads
    /// over a whole table (an export); the connection must be in a transaction.
    func forEachStreamed(_ sql: String, _ body: (SQLRow) throws -> Void) throws {
        switch backing {
        case .grdb: try forEach(sql, [], body)
        case .postgres:
            try execute("DECLARE streamed NO SCROLL CURSOR FOR " + sql)
            while true {
                var count = 0
                try forEach("FETCH 500 FROM streamed") { row in
                    count += 1
                    try body(row)
                }
                if count < 500 { break }
            }
            try execute("CLOSE streamed")
        }
    }

    /// The first column of every row.
    func fetchValues<T: SQLValueConvertible>(_ sql: String, _ arguments: SQLArguments = []) throws -> [T] {
        try fetchAll(sql, arguments) { row in
            guard let value = T(sqlValue: row.value(at: 0)) else { fatalError("cannot read \(row.value(at: 0)) as \(T.self)") }
            return value
        }
    }
}

/// A prepared statement from `SQLConnection.cachedStatement`, valid inside the same
/// transaction body.
struct SQLStatement {
    enum Backing {
        case grdb(Statement, Database)
        /// PostgreSQL prepares each statement as it runs; the text is all there is to keep.
        case postgres(String, PostgresSession)
    }

    let backing: Backing

    /// Runs the statement and returns how many rows it changed.
    @discardableResult
    func execute(_ arguments: SQLArguments = []) throws -> Int {
        switch backing {
        case .grdb(let statement, let db):
            try statement.execute(arguments: arguments.grdb)
            return db.changesCount
        case .postgres(let sql, let session): return try SQLConnection(backing: .postgres(session)).execute(sql, arguments)
        }
    }

    func fetchOne(_ arguments: SQLArguments = []) throws -> SQLRow? {
        switch backing {
        case .grdb(let statement, _): try Row.fetchOne(statement, arguments: arguments.grdb).map { SQLRow(backing: .grdb($0)) }
        case .postgres(let sql, let session): try SQLConnection(backing: .postgres(session)).fetchOne(sql, arguments)
        }
    }

    /// The first column of the first row; nil when there is no row or the value is NULL.
    func fetchValue<T: SQLValueConvertible>(_ arguments: SQLArguments = []) throws -> T? {
        try fetchOne(arguments).flatMap { T(sqlValue: $0.value(at: 0)) }
    }

    func forEach(_ arguments: SQLArguments = [], _ body: (SQLRow) throws -> Void) throws {
        switch backing {
        case .grdb(let statement, _): try Self.forEach(Row.fetchCursor(statement, arguments: arguments.grdb), body)
        case .postgres(let sql, let session): try SQLConnection(backing: .postgres(session)).forEach(sql, arguments, body)
        }
    }

    fileprivate static func forEach(_ cursor: RowCursor, _ body: (SQLRow) throws -> Void) throws {
        var columns: ColumnPositions?
        while let row = try cursor.next() {
            if columns == nil { columns = ColumnPositions(Array(row.columnNames)) }
            try body(SQLRow(backing: .grdb(row), columns: columns))
        }
    }

    /// Every row, each turned into a value while the backend reads it.
    func fetchAll<T>(_ arguments: SQLArguments = [], _ transform: (SQLRow) throws -> T) throws -> [T] {
        var values: [T] = []
        try forEach(arguments) { values.append(try transform($0)) }
        return values
    }
}
