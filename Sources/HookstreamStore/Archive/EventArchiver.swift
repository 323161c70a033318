import Foundation
public import HookstreamCore
public import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Retention's I/O shell: performs the actions of a ``RetentionRun`` against the store, the
/// archive files and the blob store, and restores archived days.
///
/// A batch, in the order that makes a crash at any point harmless:
/// 1. read the batch (events, attempts, blob bodies);
/// 2. journal it with the day file's current size;
/// 3. append it as one gzip member and fsync;
/// 4. in one transaction: check nothing changed, delete the events and attempts, count the day,
///    mark the journal entry deleted;
/// 5. remove the blob files, drop the journal entry.
///
/// A crash before 4 leaves the rows in place and a journal entry saying where the file ended:
/// the next run cuts the file back there (so no partial member and no duplicate line) and
/// archives the events again. A crash after 4 leaves only blob files to remove, which the next
/// run does. Only one run is active at a time (``run(now:)`` returns `nil` while one is).
public final class EventArchiver: Sendable {
    public let policy: RetentionPolicy
    private let store: any EventArchiveStore
    private let blobs: BlobStore
    private let files: any ArchiveStorage
    private let logger: Logger
    private let running = Mutex(false)
    private let restoring = Mutex<Set<String>>([])

    public init(store: any EventArchiveStore, blobs: BlobStore, files: any ArchiveStorage, policy: RetentionPolicy, logger: Logger) {
        self.store = store
        self.blobs = blobs
        self.files = files
        self.policy = policy
        self.logger = logger
    }

    // MARK: Runs

    /// Archives every event due at `now` (Unix milliseconds), batch by batch. Returns `nil`
    /// without doing anything when another run is still going.
    public func run(now: Int64) async throws -> RetentionRun.Summary? {
        let claimed = running.withLock { busy -> Bool in
            if busy { return false }
            busy = true
            return true
        }
        guard claimed else { return nil }
        defer { running.withLock { $0 = false } }
        var run = RetentionRun(policy: policy, now: now)
        var action = run.start()
        while true {
            switch action {
            case .recoverInterruptedBatches:
                try await recover()
                action = run.recovered()
            case .findOldest(let cutoff, let restoredBefore):
                action = run.found(try await store.oldestArchivableEvent(before: cutoff, restoredBefore: restoredBefore))
            case .archive(let window):
                // Shutdown waits for this service: stop between batches, the next run resumes.
                if Task.isCancelled || Task.isShuttingDownGracefully {
                    var summary = run.summary
                    summary.stoppedEarly = true
                    return summary
                }
                action = run.batchFinished(try await archive(window, restoredBefore: run.restoredBefore, now: now))
                // Let ingest and deliveries have the writer between batches.
                await Task.yield()
            case .finished(let summary):
                return summary
            }
        }
    }

    /// Finishes or undoes what a crash or a failed batch left in the journal.
    func recover() async throws {
        for entry in try await store.interruptedArchiveBatches() {
            switch entry.state {
            case .appending:
                try await files.cutBack(organizationID: entry.organizationID, day: entry.day, to: entry.fileOffset)
                logger.notice(
                    "retention: undid an archive append that never committed",
                    metadata: ["org_id": "\(entry.organizationID)", "day": "\(entry.day)", "offset": "\(entry.fileOffset)"])
            case .deleted:
                removeBlobs(entry.blobKeys)
            }
            try await store.finishArchiveBatch(journalID: entry.id)
        }
    }

    private func archive(_ window: ArchiveWindow, restoredBefore: Int64, now: Int64) async throws -> RetentionRun.BatchOutcome {
        let fetched = try await store.archivableEvents(in: window, restoredBefore: restoredBefore)
        let length = policy.batchLength(bodySizes: fetched.map(\.bodySize))
        let exhausted = fetched.count < window.limit && length == fetched.count
        guard length > 0 else { return .archived(count: 0, exhausted: exhausted) }
        let blobs = blobs
        let batch = Array(fetched.prefix(length))
        let (member, missing) = try await NIOThreadPool.singleton.runIfActive { () throws -> ([UInt8], [String]) in
            var lines: [UInt8] = []
            var missing: [String] = []
            for var record in batch {
                if let key = record.blobKey {
                    // A body file already gone (removed by hand, lost disk) cannot be archived,
                    // but refusing would stop retention for good at this event: archive the row
                    // as it is (`body: null` with its `body_blob` key), as a restore will put it.
                    if FileManager.default.fileExists(atPath: blobs.root + "/" + key) {
                        record.body = try blobs.read(key: key)
                    } else {
                        missing.append(record.eventID)
                    }
                }
                lines += ArchiveLine.encode(record)
            }
            return (try GzipMembers.compress(lines), missing)
        }
        if !missing.isEmpty {
            logger.error("retention: archiving events whose body file is missing", metadata: ["events": "\(missing)"])
        }
        let (org, day) = (window.organizationID, window.day)
        let offset = try await files.length(organizationID: org, day: day)
        let journalID = try await store.beginArchiveBatch(organizationID: org, day: day, fileOffset: offset, at: now)
        do {
            try await files.appendMember(member, organizationID: org, day: day)
            try await store.commitArchiveBatch(journalID: journalID, records: batch, restoredBefore: restoredBefore, at: now)
        } catch {
            // Nothing was deleted: take the member back out so the events are written once,
            // by whichever batch finally deletes them.
            try await files.cutBack(organizationID: org, day: day, to: offset)
            try await store.finishArchiveBatch(journalID: journalID)
            if error is ArchiveConflict { return .conflicted }
            throw error
        }
        removeBlobs(batch.compactMap(\.blobKey))
        try await store.finishArchiveBatch(journalID: journalID)
        return .archived(count: batch.count, exhausted: exhausted)
    }

    private func removeBlobs(_ keys: [String]) {
        for key in keys { blobs.remove(key: key) }
    }

    // MARK: Listing and restore

    public func days(tenant: Tenant) async throws -> [ArchivedDaySummary] {
        try await store.archivedDays(tenant: tenant)
    }

    /// Re-imports the tenant's events of `day` as they were archived, attempts included, and
    /// without queueing any delivery. Events already in the database are left alone, so a
    /// second restore changes nothing. Returns `nil` when the tenant has no archive for `day`.
    ///
    /// Memory: the day's compressed file and one decompressed batch at a time, plus the IDs of
    /// the day's events (an event archived again after a restore has a later line, which wins).
    public func restore(tenant: Tenant, day: ArchiveDay, now: Int64) async throws -> RestoreResult? {
        guard try await store.archivedDay(tenant: tenant, day: day) != nil else { return nil }
        let key = "\(tenant.organizationID)/\(day.text)"
        guard restoring.withLock({ $0.insert(key).inserted }) else { throw RestoreInProgress() }
        defer { _ = restoring.withLock { $0.remove(key) } }

        // Bytes past an append that has not committed (a batch in flight, or one a crash
        // interrupted and recovery has not cut back yet) are not part of the archive.
        let uncommitted = try await store.interruptedArchiveBatches()
            .filter { $0.state == .appending && $0.organizationID == tenant.organizationID && $0.day == day }
            .map(\.fileOffset).min()
        guard let bytes = try await files.bytes(organizationID: tenant.organizationID, day: day, limit: uncommitted) else {
            throw ArchiveFileMissing(path: files.location(organizationID: tenant.organizationID, day: day))
        }

        var lastLine: [String: Int] = [:]
        var lines = try ArchiveReader(bytes, tenant: tenant)
        while let (number, record) = try lines.next() { lastLine[record.eventID] = number }

        var result = RestoreResult(day: day, archivedEvents: lastLine.count, restored: 0)
        var pending: [ArchiveRecord] = []
        var pendingBytes = 0
        lines = try ArchiveReader(bytes, tenant: tenant)
        while let (number, record) = try lines.next() {
            guard lastLine[record.eventID] == number else { continue }
            pending.append(record)
            pendingBytes += record.body?.count ?? 0
            if pending.count >= policy.batchSize || pendingBytes >= policy.maximumBatchBytes {
                result.restored += try await restoreBatch(pending, day: day, now: now)
                pending = []
                pendingBytes = 0
            }
        }
        if !pending.isEmpty { result.restored += try await restoreBatch(pending, day: day, now: now) }
        return result
    }

    private func restoreBatch(_ records: [ArchiveRecord], day: ArchiveDay, now: Int64) async throws -> Int {
        let present = try await store.existingEventIDs(records.map(\.eventID))
        let blobs = blobs
        // Nodes sharing a database keep every body in its row (`BlobStore.inlinesEveryBody`).
        let missing = records.filter { !present.contains($0.eventID) }.map { blobs.inlinesEveryBody ? $0.inlined : $0 }
        // Blob files first: a committed row must never point at a missing file.
        try await NIOThreadPool.singleton.runIfActive {
            for record in missing {
                // No body in the line: the file was already missing when it was archived.
                if let key = record.blobKey, let body = record.body { try blobs.write(body, key: key) }
            }
        }
        return try await store.restoreArchivedEvents(missing, day: day, at: now)
    }
}

/// The tenant's archived events in a day file, one gzip member decompressed at a time, each
/// with its line number across the whole file.
struct ArchiveReader {
    private var members: GzipMembers.Reader
    private let tenant: Tenant
    private var lines: [ArraySlice<UInt8>] = []
    private var index = 0
    private var number = 0

    init(_ bytes: [UInt8], tenant: Tenant) throws {
        members = try GzipMembers.Reader(bytes)
        self.tenant = tenant
    }

    mutating func next() throws -> (Int, ArchiveRecord)? {
        while true {
            while index < lines.count {
                let line = lines[index]
                index += 1
                number += 1
                let record = try ArchiveLine.decode(line)
                if record.tenant == tenant { return (number, record) }
            }
            guard let member = try members.next() else { return nil }
            lines = try ArchiveLine.lines(member)
            index = 0
        }
    }
}

/// What a restore did.
public struct RestoreResult: Sendable, Equatable {
    public var day: ArchiveDay
    /// The tenant's distinct events in the day's archive.
    public var archivedEvents: Int
    /// How many of them this restore inserted (the rest were already in the database).
    public var restored: Int
}

/// The same day is being restored by another request.
public struct RestoreInProgress: Error, Sendable {}

/// The day is indexed but its file is gone from the data directory.
public struct ArchiveFileMissing: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var description: String { "archive file \(path) is missing" }
}
