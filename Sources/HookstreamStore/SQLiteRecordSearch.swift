import GRDB

/// Full-text search over collection records, SQLite dialect: everything search-specific the
/// SQLite store needs lives here, so a PostgreSQL store supplies its own counterpart
/// (a `tsvector` column with a GIN index, or `ILIKE` on the data) behind the same
/// ``CollectionStore/collectionRecords(collectionID:tenant:search:beforeID:limit:)``.
///
/// The index is an FTS5 table over the records' `data`. It is brought up to date behind the
/// records rather than in the event's transaction (migration `017`): tokenizing a record twice
/// per event (the old text out, the new text in) cost a quarter of ingest's throughput for a
/// source feeding a collection, and most of that work is thrown away when a record changes
/// again before anyone searches. Triggers only note which records changed since they were last
/// indexed — a row per record, not per event, so the backlog is bounded by the number of
/// records. The backlog is drained in short batches in the background (`RecordSearchIndexer`)
/// and completely before every search, so a search still never misses an acknowledged event
/// and never finds data a record no longer holds.
///
/// Since migration `031` the index keeps its own copy of the text it indexed (an ordinary FTS5
/// table, not one over `collection_records`): taking a record's old words out needs that text,
/// and keeping it here lets the backlog hold only row ids. Before, every update copied the old
/// text into the backlog inside the ingest transaction, which cost an event on a collection
/// more than its record's own write. The copy is written by the indexer, in the background.
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

    /// Migration `031`: the index holds its own copy of the text (see above) and the backlog
    /// only the ids of records whose text changed — an update that leaves `data` as it was
    /// (a provider resending an object's state) changes nothing to index. The new index starts
    /// empty with every record in the backlog, so the migration itself stays quick on a large
    /// database: the indexer fills it in the background, and a search before it has finished
    /// indexes the rest first.
    static let ownTextMigration = """
        DROP TRIGGER collection_records_fts_pending_insert;
        DROP TRIGGER collection_records_fts_pending_update;
        DROP TRIGGER collection_records_fts_pending_delete;
        DROP TABLE collection_records_fts_pending;
        DROP TABLE collection_records_fts;
        CREATE VIRTUAL TABLE collection_records_fts USING fts5(data, tokenize='unicode61 remove_diacritics 2');
        CREATE TABLE collection_records_fts_pending (record_rowid INTEGER PRIMARY KEY);
        CREATE TRIGGER collection_records_fts_pending_insert AFTER INSERT ON collection_records BEGIN
            INSERT OR IGNORE INTO collection_records_fts_pending(record_rowid) VALUES (new.rowid);
        END;
        CREATE TRIGGER collection_records_fts_pending_update AFTER UPDATE OF data ON collection_records
        WHEN old.data IS NOT new.data BEGIN
            INSERT OR IGNORE INTO collection_records_fts_pending(record_rowid) VALUES (old.rowid);
        END;
        CREATE TRIGGER collection_records_fts_pending_delete AFTER DELETE ON collection_records BEGIN
            INSERT OR IGNORE INTO collection_records_fts_pending(record_rowid) VALUES (old.rowid);
        END;
        INSERT INTO collection_records_fts_pending(record_rowid) SELECT rowid FROM collection_records;
        """

    /// Indexes up to `limit` records of the backlog: each one's old text out of the index (FTS5
    /// reads it from its own copy) and its current text in, or nothing more when the record is
    /// gone. Returns how many it indexed; fewer than `limit` means the index is current.
    static func indexPending(_ db: Database, limit: Int) throws -> Int {
        let pending = try Int64.fetchAll(db.cachedStatement(sql: "SELECT record_rowid FROM collection_records_fts_pending LIMIT ?"), arguments: [limit])
        let remove = try db.cachedStatement(sql: "DELETE FROM collection_records_fts WHERE rowid = ?")
        let add = try db.cachedStatement(sql: "INSERT INTO collection_records_fts(rowid, data) SELECT rowid, data FROM collection_records WHERE rowid = ?")
        let done = try db.cachedStatement(sql: "DELETE FROM collection_records_fts_pending WHERE record_rowid = ?")
        for rowid in pending {
            try remove.execute(arguments: [rowid])
            try add.execute(arguments: [rowid])
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
