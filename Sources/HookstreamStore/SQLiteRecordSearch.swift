/// Full-text search over collection records, SQLite dialect: everything search-specific the
/// SQLite store needs lives here, so a PostgreSQL store supplies its own counterpart
/// (a `tsvector` column with a GIN index, or `ILIKE` on the data) behind the same
/// ``CollectionStore/collectionRecords(collectionID:tenant:search:beforeID:limit:)``.
///
/// The index is an FTS5 table over `collection_records.data` kept by triggers, so it changes
/// in the very transaction that upserts the record (the event's own transaction): a search
/// never misses an acknowledged event and never finds data a record no longer holds.
enum SQLiteRecordSearch {
    /// Migration `009`: the FTS5 index, its triggers, and the index of records synced before it.
    /// `unicode61` splits JSON text on punctuation, so `jane@example.com` is indexed as the
    /// tokens `jane`, `example`, `com`, and keys (`email`) are searchable words too.
    static let migration = """
        CREATE VIRTUAL TABLE collection_records_fts USING fts5(
            data, content='collection_records', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER collection_records_fts_insert AFTER INSERT ON collection_records BEGIN
            INSERT INTO collection_records_fts(rowid, data) VALUES (new.rowid, new.data);
        END;
        CREATE TRIGGER collection_records_fts_delete AFTER DELETE ON collection_records BEGIN
            INSERT INTO collection_records_fts(collection_records_fts, rowid, data) VALUES ('delete', old.rowid, old.data);
        END;
        CREATE TRIGGER collection_records_fts_update AFTER UPDATE OF data ON collection_records BEGIN
            INSERT INTO collection_records_fts(collection_records_fts, rowid, data) VALUES ('delete', old.rowid, old.data);
            INSERT INTO collection_records_fts(rowid, data) VALUES (new.rowid, new.data);
        END;
        INSERT INTO collection_records_fts(collection_records_fts) VALUES ('rebuild');
        """

    /// The condition restricting `r` (a `collection_records` alias) to matches of the argument
    /// given by ``matchExpression(_:)``.
    static let condition = "r.rowid IN (SELECT rowid FROM collection_records_fts WHERE collection_records_fts MATCH ?)"

    /// The FTS5 query for what a user typed: every whitespace-separated term must occur, each
    /// as a quoted phrase, so FTS5 operators and punctuation in user input (`"`, `*`, `-`,
    /// `AND`, an e-mail address) are plain text and never a syntax error. `nil` when the input
    /// has no term at all.
    static func matchExpression(_ search: String) -> String? {
        let terms = search.split(whereSeparator: \.isWhitespace).map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        return terms.isEmpty ? nil : terms.joined(separator: " ")
    }
}
