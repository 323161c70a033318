import Foundation
import HookstreamCore
import HookstreamStore
import Logging
import NIOPosix
import ServiceLifecycle

/// Runs collection backfills (see `CollectionBackfill`): batch after batch of the source's
/// stored events, each applied with the backfill's new cursor in one transaction.
///
/// Durable by construction: a backfill's state is its database row, so at start-up every
/// backfill still `running` (the server stopped or crashed mid-way) is resumed from its
/// cursor. Concurrency: one task runs backfills one at a time, in the order they were asked
/// for; ``enqueue(_:)`` only queues. Each batch is one short write transaction, so ingest
/// interleaves with a long backfill rather than waiting for it.
struct CollectionBackfiller: Service {
    let store: any Store
    let blobs: BlobStore
    let clock: any GatewayClock
    let logger: Logger
    let batchSize: Int
    /// Failed batches in a row before the backfill is given up as failed.
    static let attemptsPerBatch = 5
    private let requests: AsyncStream<CollectionBackfill>
    private let continuation: AsyncStream<CollectionBackfill>.Continuation

    init(store: any Store, blobs: BlobStore, clock: any GatewayClock, logger: Logger, batchSize: Int) {
        self.store = store
        self.blobs = blobs
        self.clock = clock
        self.logger = logger
        self.batchSize = max(1, batchSize)
        (requests, continuation) = AsyncStream<CollectionBackfill>.makeStream()
    }

    /// A backfill was started: run it after those already queued.
    func enqueue(_ backfill: CollectionBackfill) {
        continuation.yield(backfill)
    }

    func run() async throws {
        do {
            for backfill in try await store.runningCollectionBackfills() { continuation.yield(backfill) }
        } catch {
            logger.error("could not list running collection backfills", metadata: ["error": "\(error)"])
        }
        await cancelWhenGracefulShutdown {
            for await backfill in requests {
                await runToEnd(backfill)
            }
        }
        continuation.finish()
    }

    private func runToEnd(_ started: CollectionBackfill) async {
        var backfill = started
        var failures = 0
        while backfill.status == .running, !Task.isCancelled {
            do {
                let events = try await resolvedBatch(try await store.collectionBackfillEvents(backfill, limit: batchSize))
                backfill = try await store.applyCollectionBackfill(backfill, events: events, at: clock.nowMillis)
                failures = 0
            } catch {
                // Shutting down: the row still says running, and the next start resumes it.
                if Task.isCancelled { return }
                failures += 1
                logger.error(
                    "collection backfill batch failed", metadata: ["backfill_id": "\(backfill.id)", "attempt": "\(failures)", "error": "\(error)"])
                if failures >= Self.attemptsPerBatch {
                    try? await store.failCollectionBackfill(backfill, reason: "\(error)", at: clock.nowMillis)
                    return
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        if backfill.status == .completed {
            logger.info("collection backfill completed", metadata: ["collection_id": "\(backfill.collectionID)", "events": "\(backfill.progress)"])
        }
    }

    /// Bodies read from the blob store held by one batch at most: inline bodies are small
    /// (the inline limit), but a batch of blob bodies could each be as large as an ingest body.
    static let blobBytesPerBatch = 16 << 20

    /// The batch with its blob bodies read, cut short once they pass ``blobBytesPerBatch`` (the
    /// rest is the next batch: the cursor only moves past what is applied). Never empty when
    /// `events` is not, so a single huge body still makes progress.
    private func resolvedBatch(_ events: [BackfillEvent]) async throws -> [BackfillEvent] {
        var resolved: [BackfillEvent] = []
        var blobBytes = 0
        for var event in events {
            if blobBytes >= Self.blobBytesPerBatch { break }
            if case .blob(let key) = event.body {
                // File reads block; keep them off the cooperative pool. A body file lost from
                // the blob store counts as an event without a key, as it would have live.
                let blobs = blobs
                event.bytes = try? await NIOThreadPool.singleton.runIfActive { try blobs.read(key: key) }
                blobBytes += event.bytes?.count ?? 0
            }
            resolved.append(event)
        }
        return resolved
    }
}
