import Foundation
import HookstreamTesting
@testable import HookstreamStore
import Testing

/// A 2xx promises the event survives a crash of the machine, not only of the process: every
/// commit on SQLite must sync the WAL (`synchronous = FULL`) on the connection that writes.
@Suite struct SQLiteDurabilityTests {
    @Test func theWriterSyncsEveryCommit() async throws {
        let directory = TemporaryDirectory.make(prefix: "hookstream-durability")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLStore(path: directory + "/store.sqlite")
        // 2 = FULL (1 would be NORMAL: commits synced only at checkpoints).
        let writer: Int64? = try await store.database.write { db in try db.fetchValue("PRAGMA synchronous") }
        #expect(writer == 2)
        let journal: String? = try await store.database.write { db in try db.fetchValue("PRAGMA journal_mode") }
        #expect(journal == "wal")
        await store.close()
    }
}
