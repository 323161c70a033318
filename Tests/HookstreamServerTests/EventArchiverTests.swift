import Foundation
import HookstreamCore
@testable import HookstreamStore
import HookstreamTesting
import JSONValue
import Logging
import Testing

/// The archiver against a real SQLite store and data directory, with the crashes it must
/// survive staged by hand: what a kill between two steps of a batch leaves behind. Each test runs
/// with the archive in files and in the database (as nodes sharing PostgreSQL keep it).
@Suite struct EventArchiverTests {
    enum Storage: CaseIterable, Sendable { case files, database }

    struct Fixture {
        let directory: String
        let store: SQLStore
        let blobs: BlobStore
        let files: any ArchiveStorage
        let archiver: EventArchiver
        let tenant = Tenant(organizationID: "org_" + String(repeating: "a", count: 32), environmentID: "env_" + String(repeating: "b", count: 32))
        // 2026-03-01T10:00:00Z, and three days later.
        let receivedAt: Int64 = 1_772_359_200_000
        var later: Int64 { receivedAt + 3 * ArchiveDay.millisPerDay }
        var day: ArchiveDay { ArchiveDay(containing: receivedAt) }

        init(_ storage: Storage, batchSize: Int = 500) throws {
            directory = TemporaryDirectory.make(prefix: "hookstream-archiver")
            store = try SQLStore(path: directory + "/db.sqlite")
            blobs = try BlobStore(root: directory + "/blobs")
            files = storage == .files ? try ArchiveFiles(root: directory + "/archive") : DatabaseArchive(store: store)
            archiver = EventArchiver(
                store: store, blobs: blobs, files: files, policy: RetentionPolicy(retentionDays: 1, batchSize: batchSize),
                logger: Logger(label: "test"))
        }

        /// Stores `count` finished (unrouted) events; every third one has its body in the blob store.
        func insert(_ count: Int) async throws -> [String] {
            var incoming: [IncomingEvent] = []
            for n in 0..<count {
                let id = ResourceID.make(.event)
                let bytes = Array("{\"n\":\(n)}".utf8)
                var body = EventBody.inline(bytes)
                if n % 3 == 0 {
                    let key = blobs.key(for: id, organizationID: tenant.organizationID, receivedAt: receivedAt + Int64(n))
                    try blobs.write(bytes, key: key)
                    body = .blob(key: key)
                }
                incoming.append(
                    IncomingEvent(
                        event: Event(
                            id: id, tenant: tenant, sourceID: "src_" + String(repeating: "c", count: 32), method: "POST", headers: ["a": "b"],
                            query: [:], contentType: "application/json", sourceIP: "127.0.0.1", bodySize: bytes.count, body: body,
                            receivedAt: receivedAt + Int64(n))))
            }
            _ = try await store.insertEvents(incoming)
            return incoming.map(\.event.id)
        }

        /// The day file's lines, read the way a restore reads them.
        func lines() async throws -> [ArchiveRecord] {
            guard let bytes = try await files.bytes(organizationID: tenant.organizationID, day: day, limit: nil) else { return [] }
            var records: [ArchiveRecord] = []
            try GzipMembers.decompress(bytes) { member in records += try ArchiveLine.lines(member).map(ArchiveLine.decode) }
            return records
        }

        func window(limit: Int = 500) -> ArchiveWindow {
            ArchiveWindow(organizationID: tenant.organizationID, day: day, from: day.startMillis, until: day.endMillis, limit: limit)
        }
    }

    @Test(arguments: Storage.allCases)
    func aRunArchivesInBoundedBatchesAndASecondRunFindsNothing(_ storage: Storage) async throws {
        let f = try Fixture(storage, batchSize: 4)
        let ids = try await f.insert(10)
        let summary = try #require(try await f.archiver.run(now: f.later))
        #expect(summary.archivedEvents == 10)
        #expect(summary.batches == 3, "4 + 4 + 2")
        #expect(try await f.lines().map(\.eventID) == ids)
        #expect(try await f.store.existingEventIDs(ids).isEmpty)
        #expect(try await f.store.archivedDays(tenant: f.tenant).map(\.eventCount) == [10])
        #expect(try await f.archiver.run(now: f.later)?.archivedEvents == 0)
        #expect(try await f.lines().count == 10)
        // Before the cutoff nothing is due: one day of retention, rounded to midnight.
        let g = try Fixture(storage)
        _ = try await g.insert(2)
        #expect(try await g.archiver.run(now: g.receivedAt + ArchiveDay.millisPerDay)?.archivedEvents == 0)
    }

    @Test(arguments: Storage.allCases)
    func anAppendACrashCutShortIsUndoneAndWrittenOnce(_ storage: Storage) async throws {
        let f = try Fixture(storage)
        let ids = try await f.insert(6)
        // The crash: journalled at offset 0, half a member on disk, rows still there.
        let member = try GzipMembers.compress(Array("{\"format\":1}\n".utf8))
        _ = try await f.store.beginArchiveBatch(organizationID: f.tenant.organizationID, day: f.day, fileOffset: 0, at: f.receivedAt)
        try await f.files.appendMember(Array(member.prefix(member.count / 2)), organizationID: f.tenant.organizationID, day: f.day)
        await #expect(throws: GzipError.self) { try await f.lines() }

        #expect(try await f.archiver.run(now: f.later)?.archivedEvents == 6)
        #expect(try await f.lines().map(\.eventID) == ids)
        #expect(try await f.store.interruptedArchiveBatches().isEmpty)
    }

    @Test(arguments: Storage.allCases)
    func aCrashAfterTheDeleteOnlyLeavesBlobFilesToRemove(_ storage: Storage) async throws {
        let f = try Fixture(storage)
        let ids = try await f.insert(3)
        var records = try await f.store.archivableEvents(in: f.window(), restoredBefore: f.later)
        for index in records.indices { if let key = records[index].blobKey { records[index].body = try f.blobs.read(key: key) } }
        let blobKey = try #require(records[0].blobKey)
        // Steps 2–4 of a batch, then the crash: blob files and the journal entry remain.
        let journal = try await f.store.beginArchiveBatch(organizationID: f.tenant.organizationID, day: f.day, fileOffset: 0, at: f.later)
        try await f.files.appendMember(try GzipMembers.compress(records.flatMap(ArchiveLine.encode)), organizationID: f.tenant.organizationID, day: f.day)
        try await f.store.commitArchiveBatch(journalID: journal, records: records, restoredBefore: f.later, at: f.later)
        #expect(FileManager.default.fileExists(atPath: f.blobs.root + "/" + blobKey))

        #expect(try await f.archiver.run(now: f.later)?.archivedEvents == 0)
        #expect(!FileManager.default.fileExists(atPath: f.blobs.root + "/" + blobKey))
        #expect(try await f.store.interruptedArchiveBatches().isEmpty)
        #expect(try await f.lines().map(\.eventID) == ids)
    }

    @Test(arguments: Storage.allCases)
    func anEventThatGotADeliveryAfterTheReadIsNotDeleted(_ storage: Storage) async throws {
        let f = try Fixture(storage)
        let ids = try await f.insert(2)
        let records = try await f.store.archivableEvents(in: f.window(), restoredBefore: f.later)
        #expect(records.count == 2)
        // A retry queued between the read and the delete.
        try await f.store.database.write { db in
            try SQLStore.insertAttempt(
                db,
                DeliveryAttempt(
                    id: ResourceID.make(.deliveryAttempt), tenant: f.tenant, eventID: ids[1], connectionID: nil,
                    destinationID: "dst_" + String(repeating: "d", count: 32), scheduledAt: f.later, createdAt: f.later))
        }
        let journal = try await f.store.beginArchiveBatch(organizationID: f.tenant.organizationID, day: f.day, fileOffset: 0, at: f.later)
        await #expect(throws: ArchiveConflict.self) {
            try await f.store.commitArchiveBatch(journalID: journal, records: records, restoredBefore: f.later, at: f.later)
        }
        #expect(try await f.store.existingEventIDs(ids) == Set(ids), "a conflicting batch deleted something")
        // The run archives what is still due and leaves the live event alone.
        #expect(try await f.archiver.run(now: f.later)?.archivedEvents == 1)
        #expect(try await f.lines().map(\.eventID) == [ids[0]])
        #expect(try await f.store.existingEventIDs(ids) == [ids[1]])
    }

    @Test(arguments: Storage.allCases)
    func restoreIsIdempotentAndARestoredEventWaitsAFullRetention(_ storage: Storage) async throws {
        let f = try Fixture(storage)
        let ids = try await f.insert(4)
        _ = try await f.archiver.run(now: f.later)
        let other = Tenant(organizationID: f.tenant.organizationID, environmentID: "env_" + String(repeating: "e", count: 32))
        #expect(try await f.archiver.restore(tenant: other, day: f.day, now: f.later) == nil, "another environment's day")

        let first = try await f.archiver.restore(tenant: f.tenant, day: f.day, now: f.later)
        #expect(first == RestoreResult(day: f.day, archivedEvents: 4, restored: 4))
        #expect(try await f.archiver.restore(tenant: f.tenant, day: f.day, now: f.later) == RestoreResult(day: f.day, archivedEvents: 4, restored: 0))
        #expect(try await f.store.existingEventIDs(ids) == Set(ids))
        // Restored just now: not due again until one retention after the restore.
        #expect(try await f.archiver.run(now: f.later + 1000)?.archivedEvents == 0)
        let dueAgain = f.later + 2 * ArchiveDay.millisPerDay
        #expect(try await f.archiver.run(now: dueAgain)?.archivedEvents == 4)
        // Archived twice: the later lines win on restore and the day still counts 4 events.
        #expect(try await f.lines().count == 8)
        #expect(try await f.store.archivedDays(tenant: f.tenant).map(\.eventCount) == [4])
        #expect(try await f.archiver.restore(tenant: f.tenant, day: f.day, now: dueAgain) == RestoreResult(day: f.day, archivedEvents: 4, restored: 4))
    }

    @Test(arguments: Storage.allCases)
    func aBodyFileLostBeforeArchivingDoesNotStopRetention(_ storage: Storage) async throws {
        let f = try Fixture(storage)
        let ids = try await f.insert(3)
        let lost = try #require(try await f.store.archivableEvents(in: f.window(), restoredBefore: f.later).first { $0.blobKey != nil })
        f.blobs.remove(key: lost.blobKey!)
        #expect(try await f.archiver.run(now: f.later)?.archivedEvents == 3)
        #expect(try await f.lines().first { $0.eventID == lost.eventID }?.body == nil)
        // Restored as it was archived: the row, its key, and still no file.
        #expect(try await f.archiver.restore(tenant: f.tenant, day: f.day, now: f.later)?.restored == 3)
        #expect(try await f.store.existingEventIDs(ids) == Set(ids))
        #expect(!FileManager.default.fileExists(atPath: f.blobs.root + "/" + lost.blobKey!))
    }

    @Test func gzipMembersConcatenateAndATruncatedOneIsAnError() throws {
        let one = try GzipMembers.compress(Array("first\n".utf8))
        let two = try GzipMembers.compress(Array(repeating: UInt8(ascii: "x"), count: 300_000) + [0x0A])
        var members: [[UInt8]] = []
        try GzipMembers.decompress(one + two) { members.append($0) }
        #expect(members.map(\.count) == [6, 300_001])
        for cut in [1, 10, two.count / 2, two.count - 1] {
            #expect(throws: GzipError.self, "cut at \(cut)") { try GzipMembers.decompress(one + Array(two.prefix(cut))) { _ in } }
        }
        var corrupt = one
        corrupt[12] ^= 0xFF
        #expect(throws: GzipError.self) { try GzipMembers.decompress(corrupt) { _ in } }
        #expect(throws: ArchiveFormatError.self) { try ArchiveLine.lines(Array("no newline".utf8)) }
    }
}
