import Foundation
import GRDB
import HookstreamCore
import HookstreamTesting
@testable import HookstreamStore
import Testing

/// Migration `031` replaces SQLite's record search index with one that keeps its own text.
/// Records stored before it must stay searchable after it, and the index must follow the
/// records from there on.
@Suite struct RecordSearchMigrationTests {
    @Test func recordsStoredBeforeTheMigrationAreFoundAfterIt() async throws {
        let directory = TemporaryDirectory.make(prefix: "hookstream-migration")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/store.sqlite"
        let tenant = Tenant(organizationID: "org_old", environmentID: "env_old")

        // A database as the build before `031` left it: records, some already indexed.
        do {
            let pool = try DatabasePool(path: path)
            var migrator = DatabaseMigrator()
            let before = Schema.migrations.prefix { $0.name != "031_collection_record_search_own_text" }
            for migration in before { migrator.registerMigration(migration.name) { db in try db.execute(sql: migration.sql) } }
            try migrator.migrate(pool)
            try await pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO collections (id, org_id, env_id, name, slug, source_id, primary_key_path, created_at, updated_at)
                        VALUES ('col_old', 'org_old', 'env_old', 'Customers', 'customers', 'src_old', 'id', 1, 1)
                        """)
                for (n, email) in ["jane@example.com", "omar@example.org", "li@example.net"].enumerated() {
                    try db.execute(
                        sql: """
                            INSERT INTO collection_records (id, collection_id, record_key, data, event_id, source_event_at, synced_at, created_at)
                            VALUES (?, 'col_old', ?, ?, ?, 1, 1, 1)
                            """,
                        arguments: ["rec_old\(n)", "cus_\(n)", #"{"id":"cus_\#(n)","email":"\#(email)"}"#, "evt_old\(n)"])
                }
                // The old index took in the first record; the others were still in its backlog.
                _ = try db.execute(
                    sql: """
                        INSERT INTO collection_records_fts(rowid, data) SELECT rowid, data FROM collection_records WHERE record_key = 'cus_0';
                        DELETE FROM collection_records_fts_pending WHERE record_rowid IN (SELECT rowid FROM collection_records WHERE record_key = 'cus_0');
                        """)
            }
            try pool.close()
        }

        let store = try SQLStore(path: path)
        #expect(store.migrationsApplied.first == "031_collection_record_search_own_text")
        for (word, key) in [("jane", "cus_0"), ("omar", "cus_1"), ("net", "cus_2")] {
            let found = try await store.collectionRecords(collectionID: "col_old", tenant: tenant, search: word, beforeID: nil, limit: 10).items
            #expect(found.map(\.key) == [key], "searching \(word)")
        }
        #expect(try await store.indexPendingRecordSearch(limit: 10) == 0)

        // From here the index follows the records: a new text replaces the old words.
        try await store.database.write { db in
            _ = try db.execute(
                "UPDATE collection_records SET data = ? WHERE record_key = 'cus_0'", [#"{"id":"cus_0","email":"jane@example.io"}"#])
        }
        #expect(try await store.collectionRecords(collectionID: "col_old", tenant: tenant, search: "io", beforeID: nil, limit: 10).items.map(\.key) == ["cus_0"])
        #expect(try await store.collectionRecords(collectionID: "col_old", tenant: tenant, search: "jane com", beforeID: nil, limit: 10).items.isEmpty)
        // An update that leaves the text as it was has nothing to index.
        try await store.database.write { db in
            _ = try db.execute("UPDATE collection_records SET data = data, event_id = 'evt_again' WHERE record_key = 'cus_1'")
        }
        #expect(try await store.indexPendingRecordSearch(limit: 10) == 0)
    }
}
