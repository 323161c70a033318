/// The SQL a backend spells its own way. Shared statements ask the connection's dialect for
/// these fragments; everything else is written once.
protocol SQLDialect: Sendable {
    /// The larger of two non-NULL expressions (SQLite's two-argument `MAX`).
    func greatest(_ a: String, _ b: String) -> String

    /// The `LIKE` operator that ignores ASCII case, as SQLite's `LIKE` does.
    var caseInsensitiveLike: String { get }

    /// A BLOB column as text for a `LIKE` match; bytes that are not UTF-8 must not fail the query.
    func text(ofBlob column: String) -> String

    /// What ends a `SELECT` that takes the rows it reads for this transaction, passing over
    /// rows another transaction holds (claims). Empty on SQLite, whose one writer already runs
    /// transactions one at a time.
    var skippingLockedRows: String { get }

    /// What ends a `SELECT` that locks the rows it reads until the transaction ends, waiting
    /// for another transaction that holds them. Empty on SQLite (one writer at a time).
    var lockingRows: String { get }

    /// Whether a statement compiled once is kept and reused (SQLite's statement cache), so a
    /// few fixed statement texts beat one text per call. PostgreSQL is sent the text each
    /// time, where one statement beats several round trips.
    var reusesCompiledStatements: Bool { get }

    /// The condition restricting `r` (a `collection_records` alias) to the records matching
    /// what a user typed in a search box, and its one argument; nil when the input holds no
    /// word to search for.
    func recordMatch(_ search: String) -> (condition: String, argument: String)?
}

/// The failures the store turns into its own errors, whichever backend raised them.
enum SQLFailure: Equatable {
    /// A UNIQUE or PRIMARY KEY constraint refused the row.
    case uniqueViolation
    /// The disk (or the database's storage) is full; the transaction was rolled back.
    case storageFull

    init?(_ error: any Error) {
        guard let failure = SQLiteDialect.failure(error) ?? PostgresDialect.failure(error) else { return nil }
        self = failure
    }
}
