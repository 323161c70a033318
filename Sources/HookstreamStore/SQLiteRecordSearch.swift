import GRDB

/// Full-text search over collection records, SQLite dialect: everything search-specific the
/// SQLite store needs lives here, so a PostgreSQL store supplies its own counterpart
/// (a `tsvector` column with a GIN index, or `ILIKE` on the data) behind the same
/// ``CollectionStore/collectionRecords(collectionID:tenant:search:beforeID:limit:)``.
///
/// The index is an FTS5 table over `collection_records.data`. It is brought up to date behind
/// the records rather than in the event's transaction (migration `017`): tokenizing a record
/// twice per event (the old text out, the new text in) cost a quarter of ingest's throughput
/// for a source feeding a collection, and most of that work is thrown away when a record
/// changes again before anyone searches. Triggers only note which records changed since they
/// were last indexed, with the text the index still holds for them — a row per record, not
/// per event, so the backlog is bounded by the number of records. The backlog is drained in
/// short batches in the background (`RecordSearchIndexer`) and completely before every
/// search, so a search still never misses an acknowledged event and never finds data a
/// record no longer holds.
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

    /// Migration `017`: the index follows the records through a backlog instead of in the
    /// records' own statements. `indexed_data` is the text the index holds for the row (`NULL`:
    /// none), which FTS5's external-content `delete` needs; `OR IGNORE` keeps the first
    /// pending change's value, since later ones reached only the record, not the index. The
    /// index is current when this runs, so the backlog starts empty.
    static let deferredIndexMigration = """
        DROP TRIGGER collection_records_fts_insert;
        DROP TRIGGER collection_records_fts_delete;
        DROP TRIGGER collection_records_fts_update;
        CREATE TABLE collection_records_fts_pending (
            record_rowid INTEGER PRIMARY KEY,
            indexed_data TEXT
        );
        CREATE TRIGGER collection_records_fts_pending_insert AFTER INSERT ON collection_records BEGIN
            INSERT OR IGNORE INTO collection_records_fts_pending(record_rowid, indexed_data) VALUES (new.rowid, NULL);
        END;
        CREATE TRIGGER collection_records_fts_pending_update AFTER UPDATE OF data ON collection_records BEGIN
            INSERT OR IGNORE INTO collection_records_fts_pending(record_rowid, indexed_data) VALUES (old.rowid, old.data);
        END;
        CREATE TRIGGER collection_records_fts_pending_delete AFTER DELETE ON collection_records BEGIN
            INSERT OR IGNORE INTO collection_records_fts_pending(record_rowid, indexed_data) VALUES (old.rowid, old.data);
        END;
        """

    /// Indexes up to `limit` records of the backlog, oldest change first (the backlog's rowid
    /// is the record's, so "oldest" is approximate and does not matter: each row is complete
    /// on its own). Returns how many it indexed; fewer than `limit` means the index is current.
    static func indexPending(_ db: Database, limit: Int) throws -> Int {
        let pending = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT p.record_rowid, p.indexed_data, r.data FROM collection_records_fts_pending p
                    LEFT JOIN collection_records r ON r.rowid = p.record_rowid LIMIT ?
                    """),
            arguments: [limit])
        let remove = try db.cachedStatement(sql: "INSERT INTO collection_records_fts(collection_records_fts, rowid, data) VALUES ('delete', ?, ?)")
        let add = try db.cachedStatement(sql: "INSERT INTO collection_records_fts(rowid, data) VALUES (?, ?)")
        let done = try db.cachedStatement(sql: "DELETE FROM collection_records_fts_pending WHERE record_rowid = ?")
        for row in pending {
            let rowid: Int64 = row[0]
            if let indexed: String = row[1] { try remove.execute(arguments: [rowid, indexed]) }
            if let current: String = row[2] { try add.execute(arguments: [rowid, current]) }
            try done.execute(arguments: [rowid])
        }
        return pending.count
    }

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
